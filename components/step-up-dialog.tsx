"use client";

import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { authFetch } from "@/lib/client/auth-fetch";
import { reauthenticateWithPasskey } from "@/lib/client/passkeys";
import { registerStepUpPrompt, type StepUpOutcome } from "@/lib/client/step-up";
import { useHydrated } from "@/lib/client/use-hydrated";

// A six-digit code comes from the authenticator app; anything else typed there is taken
// for a recovery code (letters and digits, dashes allowed).
const TOTP_CODE = /^\d{6}$/;

/**
 * "Confirm it's you": opened by lib/client/step-up.ts when a sensitive action is refused
 * for want of a recent sign-in. The user confirms with the password, or — an account with
 * two-step sign-in cannot step up with the password alone — with a code; or with a
 * passkey. Then the action is retried; Cancel (or Escape) leaves it undone.
 * `totp` and `passkeys` say what the account has, as the page was rendered.
 */
export function StepUpDialog({ totp, passkeys }: { totp: boolean; passkeys: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const settle = useRef<((outcome: StepUpOutcome) => void) | null>(null);
  // The server's second_factor_required corrects a page rendered before TOTP was turned on.
  const [codeRequired, setCodeRequired] = useState(false);
  const needsCode = totp || codeRequired;
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();
  const headingId = useId();
  const textId = useId();

  useEffect(
    () =>
      registerStepUpPrompt(
        () =>
          new Promise<StepUpOutcome>((resolve) => {
            settle.current = resolve;
            setError(undefined);
            setPending(false);
            dialog.current?.showModal();
            // Straight to the field: the user came here to type one thing.
            dialog.current?.querySelector("input")?.focus();
          }),
      ),
    [],
  );

  function finish(outcome: StepUpOutcome) {
    const resolve = settle.current;
    settle.current = null;
    resolve?.(outcome);
  }

  function confirmed() {
    finish("confirmed");
    dialog.current?.close();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const code = String(data.get("code") ?? "").replace(/\s/g, "");
    const body = needsCode
      ? { method: TOTP_CODE.test(code) ? "totp" : "recovery_code", code }
      : { password: String(data.get("password") ?? "") };
    setPending(true);
    setError(undefined);
    const response = await authFetch("/api/auth/reauth", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => null);
    setPending(false);
    form.reset();
    if (response?.ok) return confirmed();
    const answer = (await response?.json().catch(() => null)) as { error?: string; message?: string } | null;
    if (answer?.error === "second_factor_required") setCodeRequired(true);
    setError(answer?.message ?? "The server could not be reached. Try again.");
  }

  async function onPasskey() {
    setPending(true);
    setError(undefined);
    const outcome = await reauthenticateWithPasskey();
    setPending(false);
    if (outcome.ok) return confirmed();
    if (!outcome.cancelled) setError(outcome.message);
  }

  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby={headingId}
      aria-describedby={textId}
      // Escape, Cancel or a confirmed close: only a close that nothing settled is a cancel.
      onClose={() => finish("cancelled")}
    >
      <form className="stack" onSubmit={(event) => void onSubmit(event)}>
        <h2 id={headingId}>Confirm it&apos;s you</h2>
        <p id={textId}>
          {needsCode
            ? "This change needs a recent sign-in. Enter a code from your authenticator app, or one of your recovery codes."
            : "This change needs a recent sign-in. Enter your password to go on."}
        </p>
        {needsCode ? (
          <label className="field">
            Authenticator or recovery code
            <input
              className="input"
              name="code"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              required
              maxLength={32}
            />
          </label>
        ) : (
          <label className="field">
            Password
            <input className="input" name="password" type="password" autoComplete="current-password" required />
          </label>
        )}
        <FormError message={error} />
        <div className="cluster modal-actions">
          {passkeys && hydrated && browserSupportsWebAuthn() ? (
            <button type="button" className="btn" onClick={() => void onPasskey()} disabled={pending}>
              Use a passkey
            </button>
          ) : null}
          <button type="button" className="btn" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Checking…" : "Confirm"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
