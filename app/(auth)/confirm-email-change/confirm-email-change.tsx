"use client";

import Link from "next/link";
import { useState } from "react";
import { FormError } from "@/components/form-error";
import { postJson } from "@/lib/client/post-json";
import { useHydrated } from "@/lib/client/use-hydrated";
import { EndOtherSessionsOffer } from "../../(app)/dashboard/security/end-other-sessions-offer";

export function ConfirmEmailChange({
  token,
  newEmail,
  signedIn,
}: {
  token: string;
  newEmail: string;
  signedIn: boolean;
}) {
  const [state, setState] = useState<{ done: true } | { done: false; error?: string }>({ done: false });
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function confirm() {
    setPending(true);
    const result = await postJson("/api/auth/confirm-email-change", { token }, "The address could not be changed.");
    setPending(false);
    setState(result.ok ? { done: true } : { done: false, error: result.message });
  }

  if (state.done) {
    return (
      <div className="stack">
        <p role="status" className="alert alert-success">
          Your email address is now {newEmail}.{" "}
          {signedIn ? (
            <Link href="/dashboard/security">Back to Security</Link>
          ) : (
            <Link href="/login">Sign in with it</Link>
          )}
        </p>
        {signedIn ? <EndOtherSessionsOffer reason="Your email address changed." /> : null}
      </div>
    );
  }
  return (
    <div className="stack">
      <p>
        Use <strong>{newEmail}</strong> as the address of your account from now on? Your current address is told about
        the change.
      </p>
      <FormError message={state.error} />
      {state.error ? null : (
        <button type="button" className="btn btn-primary" onClick={confirm} disabled={pending || !hydrated}>
          {pending ? "Changing…" : "Use this address"}
        </button>
      )}
    </div>
  );
}
