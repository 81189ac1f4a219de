"use client";

import { useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { authFetch } from "@/lib/client/auth-fetch";
import { useHydrated } from "@/lib/client/use-hydrated";

export function DeleteAccountForm() {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(undefined);
    const response = await authFetch("/api/account", {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ password: data.get("password") }),
    });
    if (response.status === 204) {
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/account-deleted");
      return;
    }
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    setError(body?.message ?? "The account could not be deleted.");
    form.reset();
    setPending(false);
  }

  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <p>This deletes your account and signs it out everywhere. It cannot be undone.</p>
      <form className="stack" method="post" onSubmit={onSubmit}>
        <label>
          Password to confirm
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <FormError message={error} />
        <button type="submit" disabled={pending || !hydrated}>
          {pending ? "Deleting…" : "Delete account"}
        </button>
      </form>
    </section>
  );
}
