"use client";

import Link from "next/link";
import { useId, useState } from "react";
import { stepUpFetch } from "@/lib/client/step-up";

type State =
  { step: "offer" } | { step: "declined" } | { step: "done"; revoked: number } | { step: "failed"; text: string };

/**
 * After a change to how the account signs in (a factor, a passkey, the email address):
 * whoever used the old one may still hold a session, so offer to end every other session
 * at once (ASVS 5.0 7.4.3). Uses POST /api/sessions/revoke-others.
 */
export function EndOtherSessionsOffer({ reason }: { reason: string }) {
  const [state, setState] = useState<State>({ step: "offer" });
  const [pending, setPending] = useState(false);
  const headingId = useId();

  async function endOthers() {
    setPending(true);
    const response = await stepUpFetch("/api/sessions/revoke-others", { method: "POST" }).catch(() => null);
    setPending(false);
    const body = (await response?.json().catch(() => null)) as { revoked?: number; message?: string } | null;
    if (response?.ok) {
      setState({ step: "done", revoked: body?.revoked ?? 0 });
    } else if (response?.status === 401) {
      setState({ step: "failed", text: "This browser is not signed in: sign in first, then use the Sessions page." });
    } else {
      // E.g. 403 reauthentication_required (step-up): the server says what to do.
      setState({ step: "failed", text: body?.message ?? "That did not work. Try again from the Sessions page." });
    }
  }

  if (state.step === "declined") return null;
  return (
    <section aria-labelledby={headingId} className="alert alert-info stack-sm">
      <h2 id={headingId} className="card-title">
        Sign out your other sessions?
      </h2>
      {state.step === "done" ? (
        <p role="status">
          {state.revoked === 0
            ? "There were no other sessions: only this one is signed in."
            : `${state.revoked} other session${state.revoked === 1 ? "" : "s"} signed out.`}
        </p>
      ) : (
        <>
          <p>
            {reason} If someone else might have used your account, sign out every other device now; this one stays
            signed in.
          </p>
          {state.step === "failed" ? (
            <p role="alert">
              {state.text} <Link href="/dashboard/sessions">Sessions</Link>
            </p>
          ) : null}
          <div className="cluster">
            <button type="button" className="btn btn-danger btn-small" onClick={endOthers} disabled={pending}>
              {pending ? "Signing out…" : "Sign out everywhere else"}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setState({ step: "declined" })}>
              Not now
            </button>
          </div>
        </>
      )}
    </section>
  );
}
