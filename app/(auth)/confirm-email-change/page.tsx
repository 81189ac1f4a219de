import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { pendingEmailChange } from "@/lib/auth/email-change";
import { readLinkToken } from "@/lib/auth/edge/link-token-cookies";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { ConfirmEmailChange } from "./confirm-email-change";

// The token arrives in a cookie (middleware.ts took it out of the link's URL). Opening
// the link changes nothing: the button does (a mail scanner that fetches links changes
// no address).
export const metadata: Metadata = { title: "Confirm new email address", referrer: "no-referrer" };

export default async function ConfirmEmailChangePage() {
  const token = readLinkToken(await cookies(), "confirm-email-change");
  const pending = token ? await pendingEmailChange(getDb(), token) : null;
  // Whether this browser could end the account's other sessions afterwards.
  const signedIn = (await getCurrentSession()) !== null;
  return (
    <div className="container-narrow stack">
      <h1>Confirm your new email address</h1>
      {token && pending ? (
        <div className="card stack">
          <ConfirmEmailChange token={token} newEmail={pending.newEmail} signedIn={signedIn} />
        </div>
      ) : (
        <p role="alert" className="alert alert-error">
          This link is invalid, expired or already used. Ask for a new one on the Security page of your account.
        </p>
      )}
      <p>
        <Link href="/dashboard/security">Security</Link> · <Link href="/login">Sign in</Link>
      </p>
    </div>
  );
}
