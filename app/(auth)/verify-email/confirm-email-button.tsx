"use client";

import Link from "next/link";
import { useState } from "react";
import { FormError } from "@/components/form-error";
import { postJson } from "@/lib/client/post-json";
import { useHydrated } from "@/lib/client/use-hydrated";

export function ConfirmEmailButton({ token }: { token: string }) {
  const [state, setState] = useState<{ done: true } | { done: false; error?: string }>({ done: false });
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function confirm() {
    setPending(true);
    const result = await postJson("/api/auth/verify-email", { token }, "The address could not be verified.");
    setPending(false);
    setState(result.ok ? { done: true } : { done: false, error: result.message });
  }

  if (state.done) {
    return (
      <p role="status" className="alert alert-success">
        Your email address is verified. <Link href="/dashboard">Continue to your dashboard</Link>
      </p>
    );
  }
  return (
    <div className="stack">
      <FormError message={state.error} />
      {state.error ? (
        <p>
          <Link href="/verify-email">Ask for a new link</Link>
        </p>
      ) : (
        <button type="button" className="btn btn-primary" onClick={confirm} disabled={pending || !hydrated}>
          {pending ? "Confirming…" : "Confirm email address"}
        </button>
      )}
    </div>
  );
}
