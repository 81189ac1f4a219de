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
      // A full navigation, so the server renders the dashboard with the new cookies.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/dashboard");
      return;
    }
    setError({ message: result.message, expired: result.error === "invalid_token" });
    setPending(false);
  }

  return (
    <form className="stack" method="post" onSubmit={onSubmit}>
      <label>
        New password
        <input name="password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD_LENGTH} />
      </label>
      <FormError message={error?.message} />
      {error?.expired ? (
        <p>
          <Link href="/forgot-password">Ask for a new link</Link>
        </p>
      ) : null}
      <button type="submit" disabled={pending || !hydrated}>
        {pending ? "Saving…" : "Set new password"}
      </button>
    </form>
  );
}
