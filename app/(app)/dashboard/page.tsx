import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/sign-out-button";
import { recentActivity } from "@/lib/auth/activity";
import { needsEmailVerification } from "@/lib/auth/email-verification";
import { getCurrentSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { describeDevice } from "@/lib/user-agent";
import { ChangePasswordForm } from "./change-password-form";
import { DeleteAccountForm } from "./delete-account-form";
import { TokenStatus } from "./token-status";
import { VerifyEmailBanner } from "./verify-email-banner";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const current = await getCurrentSession();
  // The middleware passed a valid token, but the session may have been revoked since.
  if (!current) redirect("/login?next=/dashboard");
  const { user, session } = current;
  const activity = await recentActivity(getDb(), user.id);
  const unverified = await needsEmailVerification(getDb(), user.id);
  return (
    <>
      <nav aria-label="Account">
        <strong>Dashboard</strong>
        <Link href="/dashboard/sessions">Sessions</Link>
        <SignOutButton />
      </nav>
      <h1>Welcome, {user.email}</h1>
      {unverified ? <VerifyEmailBanner email={user.email} /> : null}
      <section aria-labelledby="session-heading">
        <h2 id="session-heading">This session</h2>
        <dl>
          <dt>Signed in</dt>
          <dd>
            <time dateTime={session.createdAt.toISOString()}>{session.createdAt.toUTCString()}</time>
          </dd>
          <dt>Device</dt>
          <dd>{describeDevice(session.userAgent).label}</dd>
          <dt>Session ends at the latest</dt>
          <dd>
            <time dateTime={session.absoluteExpiresAt.toISOString()}>{session.absoluteExpiresAt.toUTCString()}</time>
          </dd>
        </dl>
      </section>
      <TokenStatus initialExpiresAt={current.accessTokenExpiresAt.toISOString()} />
      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent activity</h2>
        <ul>
          {activity.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.at.toISOString()}>{entry.at.toUTCString()}</time> — {entry.text}
              {entry.ip ? ` (from ${entry.ip})` : null}
            </li>
          ))}
        </ul>
      </section>
      <ChangePasswordForm />
      <DeleteAccountForm />
    </>
  );
}
