import type { Metadata } from "next";
import Link from "next/link";
import { canSendMail } from "@/lib/mail";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <div className="container-narrow stack">
      <h1>Forgot password</h1>
      {canSendMail() ? (
        <div className="card stack">
          <p className="muted">
            Enter the email address of your account. We will mail you a link to choose a new password.
          </p>
          <ForgotPasswordForm />
        </div>
      ) : (
        <p role="alert" className="alert alert-warning">
          Password reset by email is not available: this server is not set up to send mail.
        </p>
      )}
      <p>
        <Link href="/login">Back to sign in</Link>
      </p>
    </div>
  );
}
