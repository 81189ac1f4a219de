"use client";

import { useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { postJson } from "@/lib/client/post-json";
import { useHydrated } from "@/lib/client/use-hydrated";

/** Asks for a mailed link; also used to resend a verification link (`endpoint`). */
export function ForgotPasswordForm({
  endpoint = "/api/auth/password/forgot",
  submitLabel = "Send reset link",
}: {
  endpoint?: string;
  submitLabel?: string;
}) {
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<string>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await postJson(endpoint, { email: data.get("email") }, "The mail could not be requested.");
    setPending(false);
    if (result.ok) setSent((result.body as { message?: string } | null)?.message ?? "Check your inbox.");
    else setError(result.message);
  }

  if (sent) {
    return (
      <p role="status" className="alert alert-success">
        {sent}
      </p>
    );
  }
  return (
    <form className="stack" method="post" onSubmit={onSubmit}>
      <label className="field">
        Email
        <input className="input" name="email" type="email" autoComplete="username" required maxLength={254} />
      </label>
      <FormError message={error} />
      <button type="submit" className="btn btn-primary" disabled={pending || !hydrated}>
        {pending ? "Sending…" : submitLabel}
      </button>
    </form>
  );
}
