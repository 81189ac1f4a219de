import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AccountNav } from "@/components/account-nav";
import { RelativeTime } from "@/components/relative-time";
import { getCurrentSession } from "@/lib/auth/session/current";
import { listActiveSessions } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";
import { SessionActions, SignOutOthersButton } from "./session-actions";

export const metadata: Metadata = { title: "Sessions" };

export default async function SessionsPage() {
  const current = await getCurrentSession();
  if (!current) redirect("/login?next=/dashboard/sessions");
  const sessions = await listActiveSessions(getDb(), current.user.id, current.session.id);
  const now = renderedAt();
  return (
    <>
      <AccountNav current="/dashboard/sessions" />
      <header className="page-header">
        <h1>Where you are signed in</h1>
        <p>
          Each row is one sign-in on one device, with its own refresh-token family. Signing one out revokes its refresh
          token at once; its access token stops working on its next request.
        </p>
      </header>
      <div className="stack">
        <div className="table-wrap">
          <table className="table">
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
                  <td>
                    <RelativeTime iso={session.createdAt.toISOString()} serverNow={now} />
                  </td>
                  <td>
                    <RelativeTime iso={session.lastUsedAt.toISOString()} serverNow={now} />
                  </td>
                  <td>
                    {session.binding ? (
                      <>
                        Device-bound, key <code>{session.binding.thumbprint.slice(0, 8)}</code> since{" "}
                        <RelativeTime iso={session.binding.boundAt.toISOString()} serverNow={now} />
                      </>
                    ) : (
                      <span className="muted">Not bound</span>
                    )}
                  </td>
                  <td>
                    {session.current ? null : <SessionActions sessionId={session.id} label={session.device.label} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {sessions.length > 1 ? <SignOutOthersButton /> : <p className="muted">No other active sessions.</p>}
      </div>
    </>
  );
}
