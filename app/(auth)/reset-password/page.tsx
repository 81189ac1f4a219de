import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { readLinkToken } from "@/lib/auth/edge/link-token-cookies";
import { ResetPasswordForm } from "./reset-password-form";

// The token arrives in a cookie: middleware.ts took it out of the link's URL.
export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default async function ResetPasswordPage() {
  const token = readLinkToken(await cookies(), "reset-password");
  return (
    <div className="container-narrow stack">
      <h1>Choose a new password</h1>
      {token ? (
        <div className="card stack">
          <p className="muted">Setting a new password signs you out on every device, and signs you in here.</p>
          <ResetPasswordForm token={token} />
        </div>
      ) : (
        <>
          <p role="alert" className="alert alert-warning">
            This page needs the link from your reset mail, and that link works once.
          </p>
          <p>
            <Link href="/forgot-password">Ask for a new link</Link> or go back to <Link href="/login">sign in</Link>.
          </p>
        </>
      )}
    </div>
  );
}
