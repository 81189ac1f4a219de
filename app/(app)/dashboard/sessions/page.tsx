import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/sign-out-button";
import { getCurrentSession } from "@/lib/auth/session";
import { listActiveSessions } from "@/lib/auth/user-sessions";
import { getDb } from "@/lib/db";
import { SessionActions, SignOutOthersButton } from "./session-actions";

export const metadata: Metadata = { title: "Sessions" };

export default async function SessionsPage() {
  const current = await getCurrentSession();
  if (!current) redirect("/login?next=/dashboard/sessions");
  const sessions = await listActiveSessions(getDb(), current.user.id, current.session.id);
  return (
    <>
      <nav aria-label="Account">
        <Link href="/dashboard">Dashboard</Link>
        <strong>Sessions</strong>
        <SignOutButton />
      </nav>
      <h1>Where you are signed in</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">Device key</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id} data-session-id={session.id}>
              <td>
                {session.device.label}
                {session.current ? <strong> (this device)</strong> : null}
              </td>
              <td>{session.ip ?? "unknown"}</td>
              <td>{session.createdAt.toUTCString()}</td>
              <td>{session.lastUsedAt.toUTCString()}</td>
              <td>
                {session.binding ? (
                  <>
                    Device-bound, key <code>{session.binding.thumbprint.slice(0, 8)}</code> since{" "}
                    <time dateTime={session.binding.boundAt.toISOString()}>
                      {session.binding.boundAt.toUTCString()}
                    </time>
                  </>
                ) : (
                  "Not bound"
                )}
              </td>
              <td>{session.current ? null : <SessionActions sessionId={session.id} label={session.device.label} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions.length > 1 ? <SignOutOthersButton /> : <p>No other active sessions.</p>}
    </>
  );
}
