import type { Metadata } from "next";
import Link from "next/link";
import { safeNextPath } from "@/lib/http/next-path";

export const metadata: Metadata = { title: "Two-step sign-in" };

// The second step of a sign-in (POST /api/auth/mfa). A plain form: it works without
// JavaScript, and with it. A Map for the messages: the key comes from the URL.
const ERROR_MESSAGES = new Map<string, string>([
  ["invalid_code", "That code is not right, or it was used already. Try the next code."],
  ["invalid_request", "Enter the code."],
  ["rate_limited", "Too many failed attempts. Wait a few minutes and try again."],
]);

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function MfaPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const error = ERROR_MESSAGES.get(single("error") ?? "");
  const next = safeNextPath(single("next"));
  return (
    <div className="container-narrow stack">
      <h1>Two-step sign-in</h1>
      <div className="card stack">
        <form className="stack" method="post" action="/api/auth/mfa">
          <input type="hidden" name="next" value={next} />
          <fieldset className="stack">
            <legend>How do you confirm?</legend>
            <label>
              <input type="radio" name="method" value="totp" defaultChecked /> A code from my authenticator app
            </label>
            <label>
              <input type="radio" name="method" value="recovery_code" /> A recovery code
            </label>
          </fieldset>
          <label className="field">
            Code
            <input
              className="input"
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              required
              maxLength={64}
              aria-describedby={error ? "mfa-error" : undefined}
            />
          </label>
          {error ? (
            <p id="mfa-error" role="alert" className="alert alert-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary">
            Continue
          </button>
        </form>
      </div>
      <p>
        <Link href={`/login?${new URLSearchParams({ next })}`}>Start again</Link>
      </p>
    </div>
  );
}
