import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { readLinkToken } from "@/lib/auth/edge/link-token-cookies";
import { canSendMail } from "@/lib/mail";
import { ForgotPasswordForm } from "../forgot-password/forgot-password-form";
import { ConfirmEmailButton } from "./confirm-email-button";

// The token arrives in a cookie: middleware.ts took it out of the link's URL. Confirming
// is a POST (a button), so a mail scanner that fetches the link verifies nothing.
export const metadata: Metadata = { title: "Verify email", referrer: "no-referrer" };

export default async function VerifyEmailPage() {
  const token = readLinkToken(await cookies(), "verify-email");
  return (
    <div className="container-narrow stack">
      <h1>Verify your email address</h1>
      {token ? (
        <div className="card stack">
          <p className="muted">Confirm that this address is yours, so that you can reset your password by mail.</p>
          <ConfirmEmailButton token={token} />
        </div>
      ) : canSendMail() ? (
        <div className="card stack">
          <p className="muted">Enter your address and we will mail you a new verification link.</p>
          <ForgotPasswordForm endpoint="/api/auth/verify-email/resend" submitLabel="Send verification link" />
        </div>
      ) : (
        <p role="alert" className="alert alert-warning">
          Email verification is not available: this server is not set up to send mail.
        </p>
      )}
      <p>
        <Link href="/login">Sign in</Link>
      </p>
    </div>
  );
}
