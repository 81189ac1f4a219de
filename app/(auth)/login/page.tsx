import type { Metadata } from "next";
import Link from "next/link";
import { safeNextPath } from "@/lib/http/next-path";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

// A Map, not an object literal: the key comes from the URL, and an object would answer
// "__proto__", "constructor" or "toString" with what it inherits (class of bug: looking
// up user input in an object literal).
const ERROR_MESSAGES = new Map<string, string>([
  ["invalid_credentials", "The email or password is incorrect."],
  ["invalid_request", "Enter your email and password."],
  ["rate_limited", "Too many failed attempts. Wait a few minutes and try again."],
  ["email_not_verified", "Confirm your email address before signing in: follow the link we mailed you."],
]);

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const error = ERROR_MESSAGES.get(single("error") ?? "");
  const showDemo = process.env.NODE_ENV !== "production";
  return (
    <>
      <h1>Sign in</h1>
      {single("signedOut") ? <p role="status">You have been signed out.</p> : null}
      {showDemo ? (
        <p className="note">
          Development demo account: <code>demo@example.com</code> / <code>demo-password-123</code>
        </p>
      ) : null}
      <LoginForm
        next={safeNextPath(single("next"))}
        initialError={error}
        initialUnverified={single("error") === "email_not_verified"}
        retryRefresh={single("next") !== undefined}
      />
      <p>
        <Link href="/forgot-password">Forgot password?</Link>
      </p>
      <p>
        No account yet? <Link href="/register">Create one</Link>
      </p>
    </>
  );
}
