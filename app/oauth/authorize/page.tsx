import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DecisionForm } from "@/components/decision-form";
import styles from "@/components/decision.module.css";
import { checkAuthorizeRequest, type RawParams } from "@/lib/auth/oauth/authorize-request";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";

export const metadata: Metadata = { title: "Authorize an application" };

// What each scope lets the application do, in the user's words. A Map: the scope comes
// from the request, and an object literal would answer "constructor" with what it inherits.
const SCOPE_TEXT = new Map<string, string>([["account", "See your account and its sessions, and act on them as you"]]);

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Where the user goes after deciding, as a person reads it: the host, and whose machine it is. */
function describeRedirect(redirectUri: string): { host: string; local: boolean } {
  const url = new URL(redirectUri);
  return { host: url.host, local: LOOPBACK_HOSTS.has(url.hostname) };
}

export default async function AuthorizePage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const raw = await searchParams;
  const current = await getCurrentSession();
  if (!current) {
    const query = new URLSearchParams(
      Object.entries(raw).flatMap(([k, v]) => (v === undefined ? [] : [v].flat().map((x): [string, string] => [k, x]))),
    );
    redirect(`/login?${new URLSearchParams({ next: `/oauth/authorize?${query}` })}`);
  }
  const check = await checkAuthorizeRequest(getDb(), raw);
  if (!check.ok && "redirectTo" in check) redirect(check.redirectTo);
  if (!check.ok) {
    return (
      <div className={`${styles.panel} stack`}>
        <header>
          <p className={styles.kicker}>Authorization request</p>
          <h1>This request cannot be completed</h1>
        </header>
        <p role="alert" className="alert alert-error">
          {check.show}
        </p>
        <p>
          Nothing was shared with the application. Go back to it and start again, or continue to your{" "}
          <Link href="/dashboard" prefetch={false}>
            dashboard
          </Link>
          .
        </p>
      </div>
    );
  }
  const { client, redirectUri, state, codeChallenge, scope } = check.request;
  const destination = describeRedirect(redirectUri);
  const secondsLeft = Math.round((current.accessTokenExpiresAt.getTime() - renderedAt()) / 1000);
  return (
    <div className={`${styles.panel} stack`}>
      <header>
        <p className={styles.kicker}>Authorization request</p>
        <h1>Allow {client.name} to use your account?</h1>
        <p className="muted small">
          Signed in as <strong>{current.user.email}</strong>
        </p>
      </header>
      <section className="card stack" aria-labelledby="request-heading">
        <h2 id="request-heading" className="visually-hidden">
          The request
        </h2>
        <div className={styles.app}>
          <span className={styles.monogram} aria-hidden="true">
            {client.name.charAt(0).toUpperCase()}
          </span>
          <p>
            <span className={styles.appName}>{client.name}</span>
            <span className="muted small">
              Client ID <code>{client.id}</code>
            </span>
          </p>
        </div>
        <div>
          <h3 className={styles.sectionTitle}>It will be able to</h3>
          <ul className={styles.scopes}>
            {scope.split(" ").map((s) => (
              <li key={s}>
                {SCOPE_TEXT.get(s) ?? s}{" "}
                <span className="muted small">
                  (scope <code>{s}</code>)
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3 className={styles.sectionTitle}>After you decide, you go to</h3>
          <p>
            <span className={styles.host}>{destination.host}</span>
            {destination.local ? <span className="muted"> (an application on this computer)</span> : null}
          </p>
          <p className="muted small">
            <code>{redirectUri}</code>
          </p>
        </div>
        <p className="small">
          Approve only if you started this from {client.name}. You can end its access any time on the{" "}
          <Link href="/dashboard/sessions" prefetch={false}>
            sessions page
          </Link>
          .
        </p>
        <DecisionForm
          action="/api/oauth/authorize"
          fields={{
            client_id: client.id,
            redirect_uri: redirectUri,
            response_type: "code",
            code_challenge: codeChallenge,
            code_challenge_method: "S256",
            scope,
            state,
          }}
          accessTokenSecondsLeft={secondsLeft}
        />
      </section>
    </div>
  );
}
