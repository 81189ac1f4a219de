"use client";

import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill } from "@simplewebauthn/browser";
import { useEffect, useState } from "react";
import { FormError } from "@/components/form-error";
import { signInWithPasskey, type PasskeyOutcome } from "@/lib/client/passkeys";
import { useHydrated } from "@/lib/client/use-hydrated";

/**
 * "Sign in with a passkey", and the same through the email field's autofill: the browser
 * lists this site's passkeys among its suggestions (conditional mediation, asked for once
 * the page has loaded). Either way the server starts the session as a password sign-in
 * does. Needs JavaScript, so the button appears only once the page has hydrated.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const hydrated = useHydrated();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  useEffect(() => {
    let active = true;
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill())) return;
      const outcome = await signInWithPasskey("autofill");
      // Nobody asked for the autofill: only its success is worth showing.
      if (active && outcome.ok) finish(outcome);
    })();
    return () => {
      active = false;
    };
    // finish only reads `next`, which a render never changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function finish(outcome: PasskeyOutcome) {
    if (outcome.ok) {
      // A full navigation, so the server renders the next page with the new cookies.
      window.location.assign(next);
      return;
    }
    setPending(false);
    if (!outcome.cancelled) setError(outcome.message);
  }

  async function onClick() {
    setPending(true);
    setError(undefined);
    finish(await signInWithPasskey("button"));
  }

  if (!hydrated || !browserSupportsWebAuthn()) return null;
  return (
    <div className="stack-sm">
      <button type="button" className="btn" onClick={() => void onClick()} disabled={pending}>
        {pending ? "Waiting for your passkey…" : "Sign in with a passkey"}
      </button>
      <FormError message={error} />
    </div>
  );
}
