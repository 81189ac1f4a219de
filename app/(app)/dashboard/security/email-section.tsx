"use client";

import { useState, type FormEvent } from "react";
import { stepUpFetch } from "@/lib/client/step-up";

type Message = { ok: boolean; text: string };

/**
 * Change of email address (issue 23, item 5): the new address gets a link, and the change
 * happens only when it is opened (/confirm-email-change). Needs a recent sign-in (step-up).
 */
export function EmailSection({ email, verified }: { email: string; verified: boolean }) {
  const [message, setMessage] = useState<Message>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const newEmail = new FormData(form).get("newEmail");
    setPending(true);
    setMessage(undefined);
    const response = await stepUpFetch("/api/account/email", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ newEmail }),
    }).catch(() => null);
    const body = (await response?.json().catch(() => null)) as { message?: string } | null;
    setPending(false);
    if (response?.ok) {
      form.reset();
      setMessage({ ok: true, text: body?.message ?? "A confirmation link is on its way to the new address." });
    } else {
      setMessage({ ok: false, text: body?.message ?? "The address could not be changed. Try again." });
    }
  }

  return (
    <section aria-labelledby="email-heading" className="card">
      <h2 id="email-heading" className="card-title">
        Email address
      </h2>
      <div className="stack">
        <dl className="facts">
          <dt>Current address</dt>
          <dd>
            {email} <span className="muted">({verified ? "verified" : "not verified"})</span>
          </dd>
        </dl>
        <p className="muted">
          We mail a link to the new address; your address changes only when you open it. Your current address is told
          about the change.
        </p>
        <form className="stack" onSubmit={onSubmit}>
          <label className="field">
            New email address
            <input className="input" name="newEmail" type="email" autoComplete="email" required maxLength={254} />
          </label>
          {message ? (
            <p
              role={message.ok ? "status" : "alert"}
              className={`alert ${message.ok ? "alert-success" : "alert-error"}`}
            >
              {message.text}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Sending…" : "Send confirmation link"}
          </button>
        </form>
      </div>
    </section>
  );
}
