import type { Metadata } from "next";
import Link from "next/link";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@/lib/auth/password-rules";
import { RegisterForm } from "./register-form";

// Static: prerendered and served without the middleware (lib/http/static-pages.mjs).
export const dynamic = "force-static";

export const metadata: Metadata = { title: "Create an account" };

export default function RegisterPage() {
  return (
    <div className="container-narrow stack">
      <h1>Create an account</h1>
      <p className="muted">
        Any password of {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters; a long passphrase is best.
      </p>
      <div className="card">
        <RegisterForm />
      </div>
      <p>
        Already registered? <Link href="/login">Sign in</Link>
      </p>
    </div>
  );
}
