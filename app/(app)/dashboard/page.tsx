import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AccountNav } from "@/components/account-nav";
import { RelativeTime } from "@/components/relative-time";
import { recentActivity } from "@/lib/auth/activity";
import { AUTH_METHOD_LABELS } from "@/lib/auth/edge/authentication";
import { needsEmailVerification } from "@/lib/auth/recovery/email-verification";
import { getCurrentSession } from "@/lib/auth/session/current";
import { isRecentlyAuthenticated, stepUpExpiresAt } from "@/lib/auth/step-up";
import { sessionTimeline } from "@/lib/auth/session/timeline";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";
import { describeDevice } from "@/lib/user-agent";
import { ChangePasswordForm } from "./change-password-form";
import { DeleteAccountForm } from "./delete-account-form";
import { TokenLab } from "./token-lab";
import { VerifyEmailBanner } from "./verify-email-banner";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const current = await getCurrentSession();
  // The middleware passed a valid token, but the session may have been revoked since.
  if (!current) redirect("/login?next=/dashboard");
  const { user, session } = current;
  const [activity, timeline, unverified] = await Promise.all([
    recentActivity(getDb(), user.id),
    sessionTimeline(getDb(), session.id),
    needsEmailVerification(getDb(), user.id),
  ]);
  if (!timeline) redirect("/login?next=/dashboard");
  const now = renderedAt();
  return (
    <>
      <AccountNav current="/dashboard" />
      <header className="page-header">
        <h1>Welcome, {user.email}</h1>
        <p>
          This page shows your session&apos;s tokens at work: the access token draining, the refresh token rotating, and
          what the browser does when a call comes back 401.
        </p>
      </header>
      <div className="stack">
        {unverified ? <VerifyEmailBanner email={user.email} /> : null}
        <TokenLab
          initialExpiresAt={current.accessTokenExpiresAt.toISOString()}
          accessTokenTtlSeconds={getConfig().accessTokenTtlSeconds}
          initialTimeline={timeline}
          serverNow={now}
        />
        <div className="grid-2">
          <section aria-labelledby="session-heading" className="card">
            <h2 id="session-heading" className="card-title">
              This session
            </h2>
            <dl className="facts">
              <dt>Signed in</dt>
              <dd>
                <RelativeTime iso={session.createdAt.toISOString()} serverNow={now} />
              </dd>
              <dt>Device</dt>
              <dd>{describeDevice(session.userAgent).label}</dd>
              <dt>Ends at the latest</dt>
              <dd>
                <RelativeTime iso={session.absoluteExpiresAt.toISOString()} serverNow={now} />
              </dd>
              {/* What the access token carries as auth_time and amr (RFC 8176), and step-up's clock. */}
              <dt>Last confirmed it&apos;s you</dt>
              <dd>
                <RelativeTime iso={session.authentication.at.toISOString()} serverNow={now} /> with{" "}
                {session.authentication.methods.map((method) => AUTH_METHOD_LABELS[method]).join(", ")}{" "}
                <span className="muted small">
                  (auth_time, amr: <code>{session.authentication.methods.join(" ")}</code>)
                </span>
              </dd>
              <dt>Sensitive changes</dt>
              <dd>
                {isRecentlyAuthenticated(session.authentication.at, new Date(now)) ? (
                  <>
                    no need to confirm again until{" "}
                    <RelativeTime iso={stepUpExpiresAt(session.authentication.at).toISOString()} serverNow={now} />
                  </>
                ) : (
                  "will ask you to confirm it's you first"
                )}
              </dd>
            </dl>
          </section>
          <section aria-labelledby="activity-heading" className="card">
            <h2 id="activity-heading" className="card-title">
              Recent activity
            </h2>
            <ul className="list">
              {activity.map((entry) => (
                <li key={entry.id}>
                  <span>{entry.text}</span>
                  <span className="muted small">
                    {" "}
                    · <RelativeTime iso={entry.at.toISOString()} serverNow={now} />
                    {entry.ip ? ` · from ${entry.ip}` : null}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        </div>
        <ChangePasswordForm />
        <DeleteAccountForm email={user.email} />
      </div>
    </>
  );
}
