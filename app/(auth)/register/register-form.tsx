"use client";

import { useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-rules";
import { postJson } from "@/lib/client/post-json";

export function RegisterForm() {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [checkMail, setCheckMail] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const credentials = { email: data.get("email"), password: data.get("password") };
    const result = await postJson("/api/auth/register", credentials, "Registration failed. Try again.");
    if (result.ok && (result.body as { verificationRequired?: boolean } | null)?.verificationRequired) {
      setCheckMail(true);
      return;
    }
    if (result.ok) {
      // A full navigation, so the server renders the dashboard with the new cookies.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/dashboard");
      return;
    }
    setError(result.message);
    setPending(false);
  }

  if (checkMail) {
    return <p role="status">Account created. Follow the link we mailed you to confirm your address, then sign in.</p>;
  }

  return (
    <form className="stack" onSubmit={onSubmit}>
      <label className="field">
        Email
        <input className="input" name="email" type="email" autoComplete="username" required maxLength={254} />
      </label>
      <label className="field">
        Password
        <input
          className="input"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
        />
      </label>
      <FormError message={error} />
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
