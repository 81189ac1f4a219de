import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RelativeTime } from "@/components/relative-time";
import { getCurrentAdmin } from "@/lib/auth/admin/access";
import { findUserByEmail, getUserDetail } from "@/lib/auth/admin/lookup";
import { emailSchema } from "@/lib/auth/request-schemas";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";
import { isRecentlyAuthenticated } from "@/lib/auth/step-up";
import {
  AccountToggle,
  EndEveryoneButton,
  EndSessionButton,
  EndUserSessionsButton,
  Reauthenticate,
} from "./admin-actions";

export const metadata: Metadata = { title: "Administration", robots: { index: false } };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Not behind the middleware's sign-in redirect: a signed-out visitor and a non-admin get
// the same 404 as any unknown page (docs/decisions/0023-administration.md).
export default async function AdminPage({ searchParams }: { searchParams: SearchParams }) {
  const admin = await getCurrentAdmin();
  if (!admin) notFound();
  // Step-up (lib/auth/step-up.ts): the admin routes refuse a sign-in older than
  // REAUTH_MAX_AGE_SECONDS, so the page asks again before it shows anyone's data.
  if (!isRecentlyAuthenticated(admin.session.authentication.at)) {
    return (
      <>
        <header className="page-header">
          <h1>Administration</h1>
          <p>Confirm it&apos;s you: administration needs a recent sign-in.</p>
        </header>
        <Reauthenticate />
      </>
    );
  }
  const raw = (await searchParams).email;
  const query = typeof raw === "string" ? raw : "";
  const email = query ? emailSchema.safeParse(query) : null;
  const found = email?.success ? await findUserByEmail(getDb(), email.data) : null;
  const user = found ? await getUserDetail(getDb(), found.id) : null;
  const now = renderedAt();
  const expiresAt = admin.accessTokenExpiresAt.getTime();
  return (
    <>
      <header className="page-header">
        <h1>Administration</h1>
        <p>Find an account, end its sessions, or disable it. Every action here is recorded in the audit log.</p>
      </header>
      <div className="stack">
        <form className="card stack" method="get" action="/admin" role="search">
          <div className="field">
            <label htmlFor="admin-email">Email address</label>
            <input id="admin-email" name="email" type="email" className="input" defaultValue={query} required />
          </div>
          <p>
            <button type="submit" className="btn btn-primary">
              Find user
            </button>
          </p>
        </form>
        {email && !email.success ? <p role="alert">Enter a valid email address.</p> : null}
        {email?.success && !user ? <p role="alert">No account has this email address.</p> : null}
        {user ? (
          <section className="card stack" aria-labelledby="admin-user">
            <h2 id="admin-user" className="card-title">
              {user.email}
            </h2>
            <p>
              Account created <RelativeTime iso={user.createdAt.toISOString()} serverNow={now} />.{" "}
              {user.disabledAt ? <strong>Disabled.</strong> : "Enabled."}
            </p>
            <AccountToggle userId={user.id} disabled={user.disabledAt !== null} expiresAt={expiresAt} />
            <h3>Sessions</h3>
            {user.sessions.length === 0 ? (
              <p className="muted">No active sessions.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Channel</th>
                      <th scope="col">Bound</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {user.sessions.map((session) => (
                      <tr key={session.id} data-session-id={session.id}>
                        <td>{session.device}</td>
                        <td>
                          <RelativeTime iso={session.createdAt.toISOString()} serverNow={now} />
                        </td>
                        <td>
                          <RelativeTime iso={session.lastUsedAt.toISOString()} serverNow={now} />
                        </td>
                        <td>{session.channel}</td>
                        <td>{session.bound ? "Bound" : "Not bound"}</td>
                        <td>
                          <EndSessionButton sessionId={session.id} label={session.device} expiresAt={expiresAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {user.sessions.length > 0 ? <EndUserSessionsButton userId={user.id} expiresAt={expiresAt} /> : null}
            <h3>Recent audit events</h3>
            {user.events.length === 0 ? (
              <p className="muted">No events.</p>
            ) : (
              <ul className="stack">
                {user.events.map((event) => (
                  <li key={event.id}>
                    <code>{event.type}</code> <RelativeTime iso={event.createdAt.toISOString()} serverNow={now} />
                    {event.detail ? <span className="muted"> — {event.detail}</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        ) : null}
        <section className="card stack" aria-labelledby="admin-everyone">
          <h2 id="admin-everyone" className="card-title">
            Everyone
          </h2>
          <p>Sign every user out (your own session stays). Each session ends on its next request.</p>
          <EndEveryoneButton expiresAt={expiresAt} />
        </section>
      </div>
    </>
  );
}
