import type { Metadata } from "next";
import Link from "next/link";
import { canSendMail } from "@/lib/mail";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <>
      <h1>Forgot password</h1>
      {canSendMail() ? (
        <>
          <p>Enter the email address of your account. We will mail you a link to choose a new password.</p>
          <ForgotPasswordForm />
        </>
      ) : (
        <p role="alert">Password reset by email is not available: this server is not set up to send mail.</p>
      )}
      <p>
        <Link href="/login">Back to sign in</Link>
      </p>
    </>
  );
}
