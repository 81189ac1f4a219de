"use client";

import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { FormResult } from "@/components/form-error";
import { RelativeTime } from "@/components/relative-time";
import { stepUpFetch } from "@/lib/client/step-up";
import { addPasskey } from "@/lib/client/passkeys";
import { useHydrated } from "@/lib/client/use-hydrated";

export type PasskeyItem = {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  synced: boolean;
};

type Message = { ok: boolean; text: string };

async function messageOf(response: Response, fallback: string): Promise<string> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return body?.message ?? fallback;
}

/** The security page's passkeys: add one, see where each was last used, rename, remove. */
export function PasskeysSection({ passkeys, serverNow }: { passkeys: PasskeyItem[]; serverNow: number }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<Message>();

  async function onAdd() {
    setPending(true);
    setMessage(undefined);
    const outcome = await addPasskey();
    setPending(false);
    if (outcome.ok) {
      setMessage({ ok: true, text: "Passkey added. You can sign in with it from now on." });
      router.refresh();
    } else if (!outcome.cancelled) {
      setMessage({ ok: false, text: outcome.message });
    }
  }

  const supported = hydrated && browserSupportsWebAuthn();
  return (
    <section aria-labelledby="passkeys-heading" className="card stack">
      <h2 id="passkeys-heading" className="card-title">
        Passkeys
      </h2>
      <p className="muted">
        A passkey signs you in with your device&apos;s screen lock or a security key instead of your password. It works
        only on this site, so it cannot be phished.
      </p>
      {passkeys.length === 0 ? (
        <p>No passkeys yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {passkeys.map((passkey) => (
                <PasskeyRow key={passkey.id} passkey={passkey} serverNow={serverNow} onChanged={setMessage} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormResult result={message} />
      <p>
        <button type="button" className="btn btn-primary" onClick={() => void onAdd()} disabled={!supported || pending}>
          {pending ? "Waiting for your authenticator…" : "Add a passkey"}
        </button>
        {hydrated && !supported ? <span className="muted small"> This browser does not support passkeys.</span> : null}
      </p>
    </section>
  );
}

function PasskeyRow({
  passkey,
  serverNow,
  onChanged,
}: {
  passkey: PasskeyItem;
  serverNow: number;
  onChanged: (message: Message) => void;
}) {
  const router = useRouter();
  const [renaming, setRenaming] = useState(false);
  const [pending, setPending] = useState(false);
  const url = `/api/account/passkeys/${encodeURIComponent(passkey.id)}`;

  async function onRename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = new FormData(event.currentTarget).get("name");
    setPending(true);
    const response = await stepUpFetch(url, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
    setPending(false);
    if (!response.ok) return onChanged({ ok: false, text: await messageOf(response, "The passkey was not renamed.") });
    setRenaming(false);
    onChanged({ ok: true, text: "Passkey renamed." });
    router.refresh();
  }

  async function onRemove() {
    setPending(true);
    const response = await stepUpFetch(url, { method: "DELETE" });
    setPending(false);
    if (!response.ok) return onChanged({ ok: false, text: await messageOf(response, "The passkey was not removed.") });
    onChanged({ ok: true, text: `Passkey “${passkey.name}” removed. It can no longer sign in to this account.` });
    router.refresh();
  }

  return (
    <tr>
      <td>
        {renaming ? (
          <form className="cluster" onSubmit={(event) => void onRename(event)}>
            <label className="field">
              <span className="visually-hidden">New name for {passkey.name}</span>
              <input className="input" name="name" defaultValue={passkey.name} required maxLength={64} autoFocus />
            </label>
            <button type="submit" className="btn btn-small btn-primary" disabled={pending}>
              Save
            </button>
            <button type="button" className="btn btn-small" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            {passkey.name} {passkey.synced ? <span className="badge">synced</span> : null}
          </>
        )}
      </td>
      <td>
        <RelativeTime iso={passkey.createdAt} serverNow={serverNow} />
      </td>
      <td>
        {passkey.lastUsedAt ? (
          <RelativeTime iso={passkey.lastUsedAt} serverNow={serverNow} />
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td>
        <span className="cluster">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setRenaming(true)}
            disabled={renaming || pending}
            aria-label={`Rename ${passkey.name}`}
          >
            Rename
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => void onRemove()}
            disabled={pending}
            aria-label={`Remove ${passkey.name}`}
          >
            Remove
          </button>
        </span>
      </td>
    </tr>
  );
}
