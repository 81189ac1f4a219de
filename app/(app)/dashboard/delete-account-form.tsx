"use client";

import { useRef, useState, type FormEvent } from "react";
import { FormError } from "@/components/form-error";
import { stepUpFetch } from "@/lib/client/step-up";
import { useHydrated } from "@/lib/client/use-hydrated";
import styles from "./delete-account.module.css";

const CONFIRM = "delete";

/**
 * Deleting the account asks twice: the password, then a modal dialog that says what goes
 * and offers Cancel first (it has the focus when the dialog opens, so Enter does not
 * delete by accident).
 */
export function DeleteAccountForm({ email }: { email: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();
  const form = useRef<HTMLFormElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const password = useRef<string>("");

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    password.current = String(new FormData(event.currentTarget).get("password") ?? "");
    setError(undefined);
    // Escape closes the dialog without touching returnValue: start from "not confirmed".
    dialog.current!.returnValue = "";
    dialog.current!.showModal();
  }

  async function onDialogClose() {
    if (dialog.current!.returnValue !== CONFIRM) return;
    setPending(true);
    const response = await stepUpFetch("/api/account", {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ password: password.current }),
    });
    password.current = "";
    if (response.status === 204) {
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/account-deleted");
      return;
    }
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    setError(body?.message ?? "The account could not be deleted.");
    form.current?.reset();
    setPending(false);
  }

  return (
    <section aria-labelledby="delete-heading" className={`card stack ${styles.zone}`}>
      <h2 id="delete-heading" className="card-title">
        Delete account
      </h2>
      <p>This deletes your account and signs it out everywhere. It cannot be undone.</p>
      <form ref={form} className="stack" method="post" onSubmit={onSubmit}>
        <label className="field">
          Password to confirm
          <input className="input" name="password" type="password" autoComplete="current-password" required />
        </label>
        <FormError message={error} />
        <button type="submit" className="btn btn-danger" disabled={pending || !hydrated}>
          {pending ? "Deleting…" : "Delete account"}
        </button>
      </form>
      <dialog
        ref={dialog}
        className={`modal ${styles.dialog}`}
        aria-labelledby="delete-confirm-heading"
        aria-describedby="delete-confirm-text"
        onClose={onDialogClose}
      >
        {/* method="dialog": each button closes the dialog with its value as returnValue. */}
        <form method="dialog" className="stack">
          <h2 id="delete-confirm-heading">Delete {email} for good?</h2>
          <p id="delete-confirm-text">
            The account, its sessions on every device and the applications connected to it are deleted at once. There is
            no undo.
          </p>
          <div className="cluster modal-actions">
            <button type="submit" value="cancel" className="btn">
              Cancel
            </button>
            <button type="submit" value={CONFIRM} className={`btn ${styles.confirm}`}>
              Yes, delete my account
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
