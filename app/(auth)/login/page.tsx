import type { Metadata } from "next";
import Link from "next/link";
import { safeNextPath } from "@/lib/http/next-path";
import { LoginForm } from "./login-form";
import { PasskeySignIn } from "./passkey-sign-in";

export const metadata: Metadata = { title: "Sign in" };

// A Map, not an object literal: the key comes from the URL, and an object would answer
// "__proto__", "constructor" or "toString" with what it inherits (class of bug: looking
// up user input in an object literal).
const ERROR_MESSAGES = new Map<string, string>([
  ["invalid_credentials", "The email or password is incorrect."],
  ["invalid_request", "Enter your email and password."],
  ["rate_limited", "Too many failed attempts. Wait a few minutes and try again."],
  ["sign_in_expired", "That sign-in took too long or was finished already. Sign in again."],
  ["account_disabled", "This account is disabled. Ask the administrator to enable it again."],
  ["email_not_verified", "Confirm your email address before signing in: follow the link we mailed you."],
]);

// Why a session ended, when the user did not end it: said plainly on the sign-in page.
// A Map for the same reason as ERROR_MESSAGES: the key comes from the URL.
const REASON_MESSAGES = new Map<string, { title: string; text: string }>([
  [
    "refresh_token_reused",
    {
      title: "You were signed out to protect your account.",
      text: "A refresh token of this session was used a second time, which is what a stolen copy looks like, so the whole session was revoked. Sign in again; if you did not expect this, change your password.",
    },
  ],
  [
    // A reset does not sign in an account with a second factor (lib/auth/recovery/password-reset.ts).
    "password_reset",
    {
      title: "Your password is changed.",
      text: "Sign in with the new password and a code from your authenticator app.",
    },
  ],
]);

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const error = ERROR_MESSAGES.get(single("error") ?? "");
  const showDemo = process.env.NODE_ENV !== "production";
  const reason = REASON_MESSAGES.get(single("reason") ?? "");
  return (
    <div className="container-narrow stack">
      <h1>Sign in</h1>
      {reason ? (
        <div role="alert" className="alert alert-warning">
          <strong>{reason.title}</strong>
          {reason.text}
        </div>
      ) : null}
      {single("signedOut") ? (
        <p role="status" className="alert alert-success">
          You have been signed out.
        </p>
      ) : null}
      {showDemo ? (
        <p className="alert alert-info">
          Development demo account: <code>demo@example.com</code> / <code>demo-password-123</code>
        </p>
      ) : null}
      <div className="card stack">
        <LoginForm
          next={safeNextPath(single("next"))}
          initialError={error}
          initialUnverified={single("error") === "email_not_verified"}
          retryRefresh={single("next") !== undefined}
        />
        <PasskeySignIn next={safeNextPath(single("next"))} />
        <p>
          <Link href="/forgot-password">Forgot password?</Link>
        </p>
      </div>
      <p>
        No account yet? <Link href="/register">Create one</Link>
      </p>
    </div>
  );
}
