import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/sign-out-button";
import { getCurrentSession } from "@/lib/auth/session";
import { TokenStatus } from "./token-status";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const current = await getCurrentSession();
  // The middleware passed a valid token, but the session may have been revoked since.
  if (!current) redirect("/login?next=/dashboard");
  const { user, session } = current;
  return (
    <>
      <nav aria-label="Account">
        <strong>Dashboard</strong>
        <SignOutButton />
      </nav>
      <h1>Welcome, {user.email}</h1>
      <section aria-labelledby="session-heading">
        <h2 id="session-heading">This session</h2>
        <dl>
          <dt>Signed in</dt>
          <dd>
            <time dateTime={session.createdAt.toISOString()}>{session.createdAt.toUTCString()}</time>
          </dd>
          <dt>Device</dt>
          <dd>{session.userAgent ?? "Unknown device"}</dd>
          <dt>Session ends at the latest</dt>
          <dd>
            <time dateTime={session.absoluteExpiresAt.toISOString()}>{session.absoluteExpiresAt.toUTCString()}</time>
          </dd>
        </dl>
      </section>
      <TokenStatus initialExpiresAt={current.accessTokenExpiresAt.toISOString()} />
    </>
  );
}
