import type { Metadata } from "next";
import Link from "next/link";
import { safeNextPath } from "@/lib/http/next-path";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

const ERROR_MESSAGES: Record<string, string> = {
  invalid_credentials: "The email or password is incorrect.",
  invalid_request: "Enter your email and password.",
  rate_limited: "Too many failed attempts. Wait a few minutes and try again.",
};

// Why a session ended, when the user did not end it: said plainly on the sign-in page.
const REASON_MESSAGES: Record<string, { title: string; text: string }> = {
  refresh_token_reused: {
    title: "You were signed out to protect your account.",
    text: "A refresh token of this session was used a second time, which is what a stolen copy looks like, so the whole session was revoked. Sign in again; if you did not expect this, change your password.",
  },
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const error = ERROR_MESSAGES[single("error") ?? ""];
  const showDemo = process.env.NODE_ENV !== "production";
  const reason = REASON_MESSAGES[single("reason") ?? ""];
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
      <div className="card">
        <LoginForm
          next={safeNextPath(single("next"))}
          initialError={error}
          retryRefresh={single("next") !== undefined}
        />
      </div>
      <p>
        No account yet? <Link href="/register">Create one</Link>
      </p>
    </div>
  );
}
