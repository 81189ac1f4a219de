"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { refreshSession } from "@/lib/client/auth-fetch";

// The admin API answers 404, not 401, to an expired access token (it reveals nothing), so
// the fetch wrapper's refresh-on-401 cannot help: the token is refreshed before it runs out.
async function adminRequest(url: string, method: "POST" | "DELETE", expiresAt: number, body?: unknown) {
  if (Date.now() > expiresAt - 5_000) await refreshSession(Date.now(), "proactive");
  return fetch(url, {
    method,
    headers: body === undefined ? undefined : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function useAction(url: string, method: "POST" | "DELETE", expiresAt: number, body?: unknown) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  async function run() {
    setPending(true);
    setError(undefined);
    const response = await adminRequest(url, method, expiresAt, body);
    setPending(false);
    if (!response.ok) return setError("That did not work. Reload the page and try again.");
    router.refresh();
  }
  return { pending, error, run };
}

function ErrorNote({ error }: { error?: string }) {
  return error ? (
    <span role="alert" className="alert alert-error">
      {error}
    </span>
  ) : null;
}

export function EndSessionButton({
  sessionId,
  label,
  expiresAt,
}: {
  sessionId: string;
  label: string;
  expiresAt: number;
}) {
  const { pending, error, run } = useAction(
    `/api/admin/sessions/${encodeURIComponent(sessionId)}`,
    "DELETE",
    expiresAt,
  );
  return (
    <>
      <button
        type="button"
        className="btn btn-small btn-danger"
        onClick={() => void run()}
        disabled={pending}
        aria-label={`End session ${label}`}
      >
        End session
      </button>
      <ErrorNote error={error} />
    </>
  );
}

export function EndUserSessionsButton({ userId, expiresAt }: { userId: string; expiresAt: number }) {
  const { pending, error, run } = useAction(
    `/api/admin/users/${encodeURIComponent(userId)}/revoke-sessions`,
    "POST",
    expiresAt,
  );
  return (
    <p>
      <button type="button" className="btn btn-danger" onClick={() => void run()} disabled={pending}>
        End all of this user&apos;s sessions
      </button>
      <ErrorNote error={error} />
    </p>
  );
}

export function AccountToggle({
  userId,
  disabled,
  expiresAt,
}: {
  userId: string;
  disabled: boolean;
  expiresAt: number;
}) {
  const action = disabled ? "enable" : "disable";
  const { pending, error, run } = useAction(
    `/api/admin/users/${encodeURIComponent(userId)}/${action}`,
    "POST",
    expiresAt,
  );
  return (
    <p>
      <button
        type="button"
        className={disabled ? "btn btn-primary" : "btn btn-danger"}
        onClick={() => void run()}
        disabled={pending}
      >
        {disabled ? "Enable account" : "Disable account"}
      </button>
      <ErrorNote error={error} />
    </p>
  );
}

// Asks once more before it acts: one click cannot sign everyone out.
export function EndEveryoneButton({ expiresAt }: { expiresAt: number }) {
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run } = useAction("/api/admin/revoke-all-sessions", "POST", expiresAt, {
    confirm: "everyone",
  });
  if (!confirming) {
    return (
      <p>
        <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
          Sign everyone out
        </button>
      </p>
    );
  }
  return (
    <p role="group" aria-label="Confirm signing everyone out">
      <strong>Sign every user out now?</strong>{" "}
      <button
        type="button"
        className="btn btn-danger"
        onClick={() => void run().then(() => setConfirming(false))}
        disabled={pending}
      >
        Yes, sign everyone out
      </button>{" "}
      <button type="button" className="btn" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      <ErrorNote error={error} />
    </p>
  );
}

// Step-up in place: the password (or, for an account with a second factor, a code) goes
// to POST /api/auth/reauth, which rotates the pair; then the page renders again.
export function Reauthenticate() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string>();
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const body = needsCode ? { method: "totp", code: data.get("code") } : { password: data.get("password") };
    const response = await fetch("/api/auth/reauth", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    setPending(false);
    if (response.ok) return router.refresh();
    const answer = (await response.json().catch(() => null)) as { error?: string; message?: string } | null;
    if (answer?.error === "second_factor_required") setNeedsCode(true);
    setError(answer?.message ?? "That did not work. Try again.");
  }
  return (
    <form className="card stack" onSubmit={(event) => void onSubmit(event)}>
      {needsCode ? (
        <label className="field">
          Code from your authenticator app
          <input className="input" name="code" inputMode="numeric" autoComplete="one-time-code" required />
        </label>
      ) : (
        <label className="field">
          Password
          <input className="input" name="password" type="password" autoComplete="current-password" required />
        </label>
      )}
      <ErrorNote error={error} />
      <p>
        <button type="submit" className="btn btn-primary" disabled={pending}>
          Confirm
        </button>
      </p>
    </form>
  );
}
