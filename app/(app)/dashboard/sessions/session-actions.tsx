"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { stepUpFetch } from "@/lib/client/step-up";

function useRevoke(url: string, method: "DELETE" | "POST") {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  async function run() {
    setPending(true);
    setError(undefined);
    const response = await stepUpFetch(url, { method });
    setPending(false);
    if (!response.ok) {
      // E.g. a cancelled step-up: the server's (or the dialog's) words say what happened.
      const body = (await response.json().catch(() => null)) as { message?: string } | null;
      return setError(body?.message ?? "That did not work. Reload the page and try again.");
    }
    router.refresh();
  }
  return { pending, error, run };
}

export function SessionActions({ sessionId, label }: { sessionId: string; label: string }) {
  const { pending, error, run } = useRevoke(`/api/sessions/${encodeURIComponent(sessionId)}`, "DELETE");
  return (
    <>
      <button
        type="button"
        className="btn btn-small btn-danger"
        onClick={() => void run()}
        disabled={pending}
        aria-label={`Sign out ${label}`}
      >
        Sign out
      </button>
      {error ? (
        <span role="alert" className="alert alert-error">
          {error}
        </span>
      ) : null}
    </>
  );
}

export function SignOutOthersButton() {
  const { pending, error, run } = useRevoke("/api/sessions/revoke-others", "POST");
  return (
    <p>
      <button type="button" className="btn btn-danger" onClick={() => void run()} disabled={pending}>
        Sign out everywhere else
      </button>
      {error ? (
        <span role="alert" className="alert alert-error">
          {error}
        </span>
      ) : null}
    </p>
  );
}
