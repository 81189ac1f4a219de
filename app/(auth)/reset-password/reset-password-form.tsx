"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-rules";
import { postJson } from "@/lib/client/post-json";
import { useHydrated } from "@/lib/client/use-hydrated";

export function ResetPasswordForm({ token }: { token: string }) {
  const [error, setError] = useState<{ message: string; expired: boolean }>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await postJson(
      "/api/auth/password/reset",
      { token, password: data.get("password") },
      "The password could not be reset.",
    );
    if (result.ok) {
      // A full navigation, so the server renders the dashboard with the new cookies; an
      // account with a second factor gets none (signedIn false) and signs in next.
      const signedIn = (result.body as { signedIn?: boolean } | null)?.signedIn !== false;
      window.location.assign(signedIn ? "/dashboard" : "/login?reason=password_reset&next=%2Fdashboard");
      return;
    }
    setError({ message: result.message, expired: result.error === "invalid_token" });
    setPending(false);
  }

  return (
    <form className="stack" method="post" onSubmit={onSubmit}>
      <label className="field">
        New password
        <input
          className="input"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          aria-describedby="new-password-hint"
        />
        <span className="field-hint" id="new-password-hint">
          At least {MIN_PASSWORD_LENGTH} characters.
        </span>
      </label>
      <FormError message={error?.message} />
      {error?.expired ? (
        <p>
          <Link href="/forgot-password">Ask for a new link</Link>
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={pending || !hydrated}>
        {pending ? "Saving…" : "Set new password"}
      </button>
    </form>
  );
}
