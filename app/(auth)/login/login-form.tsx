"use client";

import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { refreshSession } from "@/lib/client/auth-fetch";
import { postJson } from "@/lib/client/post-json";

const secondStepUrl = (next: string): string => `/login/mfa?${new URLSearchParams({ next })}`;

type Props = { next: string; initialError?: string; initialUnverified?: boolean; retryRefresh: boolean };

export function LoginForm({ next, initialError, initialUnverified = false, retryRefresh }: Props) {
  const [error, setError] = useState(initialError);
  const [unverified, setUnverified] = useState(initialUnverified);
  const [pending, setPending] = useState(false);

  // Sent here from a protected page: the refresh cookie (SameSite=Strict) may have been
  // withheld because the navigation started on another site. A same-site fetch carries
  // it; if it still works, the user goes on without typing the password.
  useEffect(() => {
    if (!retryRefresh) return;
    // Only a rotation counts: a device-bound session's cookie is renewed by the browser,
    // which would not have sent the user here had it been able to.
    void refreshSession(Date.now(), "navigation").then((outcome) => {
      if (outcome === "refreshed") window.location.replace(next);
    });
  }, [retryRefresh, next]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(undefined);
    const credentials = { email: data.get("email"), password: data.get("password") };
    const result = await postJson("/api/auth/login", credentials, "Sign-in failed. Try again.");
    if (result.ok && (result.body as { mfa_required?: boolean } | null)?.mfa_required) {
      // The password was right; the account asks for its second factor next.
      // A full navigation, like the one below: the second step is a server-rendered form.
      window.location.assign(secondStepUrl(next));
      return;
    }
    if (result.ok) {
      // A full navigation, so the server renders the next page with the new cookies.
      window.location.assign(next);
      return;
    }
    setError(result.message);
    setUnverified(result.error === "email_not_verified");
    form.querySelector<HTMLInputElement>("input[name=password]")!.value = "";
    setPending(false);
  }

  // method/action make the form work without JavaScript too.
  return (
    <form className="stack" method="post" action="/api/auth/login" onSubmit={onSubmit}>
      <input type="hidden" name="next" value={next} />
      <label className="field">
        Email
        {/* "webauthn": the browser may offer this site's passkeys among the suggestions. */}
        <input className="input" name="email" type="email" autoComplete="username webauthn" required maxLength={254} />
      </label>
      <label className="field">
        Password
        <input className="input" name="password" type="password" autoComplete="current-password" required />
      </label>
      <FormError message={error} />
      {unverified ? (
        <p>
          <Link href="/verify-email">Send the verification link again</Link>
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
