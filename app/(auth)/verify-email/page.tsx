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
    <>
      <h1>Verify your email address</h1>
      {token ? (
        <ConfirmEmailButton token={token} />
      ) : canSendMail() ? (
        <>
          <p>Enter your address and we will mail you a new verification link.</p>
          <ForgotPasswordForm endpoint="/api/auth/verify-email/resend" submitLabel="Send verification link" />
        </>
      ) : (
        <p role="alert">Email verification is not available: this server is not set up to send mail.</p>
      )}
      <p>
        <Link href="/login">Sign in</Link>
      </p>
    </>
  );
}
