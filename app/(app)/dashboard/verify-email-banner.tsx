"use client";

import { useState } from "react";
import { postJson } from "@/lib/client/post-json";
import { useHydrated } from "@/lib/client/use-hydrated";

export function VerifyEmailBanner({ email }: { email: string }) {
  const [status, setStatus] = useState<string>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function resend() {
    setPending(true);
    const result = await postJson("/api/auth/verify-email/resend", { email }, "The mail could not be sent.");
    setPending(false);
    setStatus(result.ok ? `A new verification link is on its way to ${email}.` : result.message);
  }

  return (
    <section aria-labelledby="verify-heading" className="alert alert-warning stack-sm">
      <h2 id="verify-heading" className="card-title">
        Your email address is not verified
      </h2>
      <p>Follow the link we mailed to {email}, so that you can reset your password if you ever forget it.</p>
      {status ? <p role="status">{status}</p> : null}
      <button type="button" className="btn btn-small" onClick={resend} disabled={pending || !hydrated}>
        {pending ? "Sending…" : "Resend verification mail"}
      </button>
    </section>
  );
}
