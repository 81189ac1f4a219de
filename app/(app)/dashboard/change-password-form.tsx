"use client";

import { useState, type FormEvent } from "react";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-rules";
import { stepUpFetch } from "@/lib/client/step-up";

export function ChangePasswordForm() {
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setMessage(undefined);
    const response = await stepUpFetch("/api/account/password", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ currentPassword: data.get("currentPassword"), newPassword: data.get("newPassword") }),
    });
    const body = (await response.json().catch(() => null)) as { message?: string; revokedSessions?: number } | null;
    setPending(false);
    if (response.ok) {
      form.reset();
      const others = body?.revokedSessions ?? 0;
      setMessage({ ok: true, text: `Password changed. ${others} other session${others === 1 ? "" : "s"} signed out.` });
    } else {
      setMessage({ ok: false, text: body?.message ?? "The password could not be changed." });
    }
  }

  return (
    <section aria-labelledby="password-heading" className="card">
      <h2 id="password-heading" className="card-title">
        Change password
      </h2>
      <form className="stack" onSubmit={onSubmit}>
        <label className="field">
          Current password
          <input className="input" name="currentPassword" type="password" autoComplete="current-password" required />
        </label>
        <label className="field">
          New password
          <input
            className="input"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
          />
        </label>
        {message ? (
          <p role={message.ok ? "status" : "alert"} className={`alert ${message.ok ? "alert-success" : "alert-error"}`}>
            {message.text}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Changing…" : "Change password"}
        </button>
      </form>
    </section>
  );
}
