import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DecisionForm } from "@/components/decision-form";
import styles from "@/components/decision.module.css";
import { findClient } from "@/lib/auth/oauth/clients";
import { formatUserCode, viewPendingDevice } from "@/lib/auth/oauth/device-codes";
import { getCurrentSession, type CurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";

export const metadata: Metadata = { title: "Connect a device" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// A Map, not an object literal: the key comes from the URL (see the login page).
const RESULTS = new Map<string, { text: string; tone: "success" | "info" | "warning" }>([
  ["approved", { text: "Done: the device is signed in. You can go back to it.", tone: "success" }],
  ["denied", { text: "Denied: the device was not signed in.", tone: "info" }],
  ["expired", { text: "That code is no longer valid. Start again on the device.", tone: "warning" }],
]);

// What the code form's POST answers when the code was not accepted.
const CODE_ERRORS = new Map<string, string>([
  ["invalid", "That code is not valid or has expired. Check it and try again."],
  ["rate_limited", "Too many wrong codes. Try again in a few minutes."],
]);

function SignedInAs({ current }: { current: CurrentSession }) {
  return (
    <p className="muted small">
      Signed in as <strong>{current.user.email}</strong>
    </p>
  );
}

// Posted, not a GET: looking a code up counts against the user's attempts (RFC 8628
// §5.1), and only a POST may change state (a link or a cross-site navigation must not).
function CodeForm({ error, value }: { error?: string; value?: string }) {
  return (
    <form method="post" action="/api/oauth/device" className="stack">
      <div className="field">
        <label htmlFor="user_code">Code shown on your device</label>
        <span className="field-hint" id="user_code_hint">
          Eight letters, such as BCDF-GHJK. Capitals and the dash are optional.
        </span>
        <input
          id="user_code"
          name="user_code"
          type="text"
          className={`input ${styles.codeInput}`}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          required
          maxLength={20}
          defaultValue={value}
          aria-describedby={error ? "user_code_hint user_code_error" : "user_code_hint"}
          aria-invalid={error ? true : undefined}
        />
      </div>
      {error ? (
        <p id="user_code_error" role="alert" className="alert alert-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary">
        Continue
      </button>
    </form>
  );
}

type CodeEntryProps = {
  current: CurrentSession;
  result?: string;
  error?: string;
  value?: string;
  /** A code arrived in the link: the user checks it before it is looked up. */
  checking?: boolean;
};

function CodeEntry({ current, result, error, value, checking }: CodeEntryProps) {
  const outcome = RESULTS.get(result ?? "");
  return (
    <div className={`${styles.panel} stack`}>
      <header>
        <p className={styles.kicker}>Device sign-in</p>
        <h1>Connect a device</h1>
        <SignedInAs current={current} />
      </header>
      {outcome ? (
        <p role="status" className={`alert alert-${outcome.tone}`}>
          {outcome.text}
        </p>
      ) : checking ? (
        <p>Check that this is the code your device shows, then continue.</p>
      ) : (
        <p>
          A command-line tool or a TV shows a short code and this address. Enter the code here to sign it in to your
          account.
        </p>
      )}
      <section className="card stack" aria-labelledby="code-heading">
        <h2 id="code-heading" className="card-title">
          {outcome ? "Connect another device" : "Enter the code"}
        </h2>
        <CodeForm error={error} value={value} />
      </section>
      {outcome?.tone === "success" ? (
        <p>
          The device is listed with your <Link href="/dashboard/sessions">sessions</Link>, where you can sign it out.
        </p>
      ) : null}
    </div>
  );
}

export default async function DevicePage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const current = await getCurrentSession();
  if (!current) redirect(`/login?${new URLSearchParams({ next: "/device" })}`);
  const result = single("result");
  const input = single("user_code");
  const codeError = CODE_ERRORS.get(result ?? "");
  if (codeError) return <CodeEntry current={current} error={codeError} value={input?.slice(0, 20)} />;
  if (RESULTS.has(result ?? "") || input === undefined) return <CodeEntry current={current} result={result} />;
  const db = getDb();
  const lookup = await viewPendingDevice(db, input, { sessionId: current.session.id, ticket: single("ticket") });
  if (!lookup.ok) {
    // RFC 8628 §3.3.1: a code from the link is shown for the user to check, not used.
    const error = lookup.error === "not_found" ? "That code is no longer valid. Start again on the device." : undefined;
    return <CodeEntry current={current} error={error} value={input.slice(0, 20)} checking />;
  }
  const client = await findClient(db, lookup.device.clientId);
  const clientName = client?.name ?? "this device";
  const userCode = formatUserCode(lookup.device.userCode);
  const secondsLeft = Math.round((current.accessTokenExpiresAt.getTime() - renderedAt()) / 1000);
  return (
    <div className={`${styles.panel} stack`}>
      <header>
        <p className={styles.kicker}>Device sign-in</p>
        <h1>Sign in {clientName}?</h1>
        <SignedInAs current={current} />
      </header>
      <section className="card stack" aria-labelledby="request-heading">
        <h2 id="request-heading" className="visually-hidden">
          The request
        </h2>
        <div className={styles.app}>
          <span className={styles.monogram} aria-hidden="true">
            {clientName.charAt(0).toUpperCase()}
          </span>
          <p>
            <span className={styles.appName}>{clientName}</span>
            <span className="muted small">asks to use your account with this code:</span>
          </p>
        </div>
        <p className={styles.userCode}>{userCode}</p>
        <p className="small">Check that your device shows the same code.</p>
        <div role="note" className="alert alert-warning">
          <strong>Approve only if you started this yourself.</strong>
          Someone who sends you a code is asking for your account: the device that shows it gets signed in as you.
        </div>
        <DecisionForm
          action="/api/oauth/device"
          fields={{ user_code: userCode, ticket: single("ticket") ?? "" }}
          accessTokenSecondsLeft={secondsLeft}
        />
      </section>
    </div>
  );
}
