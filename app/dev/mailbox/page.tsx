import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RelativeTime } from "@/components/relative-time";
import { getDb } from "@/lib/db";
import { listDevMailbox } from "@/lib/mail/dev-mailbox";
import { isDevMailboxEnabled } from "@/lib/mail";
import { renderedAt } from "@/lib/rendered-at";
import styles from "./mailbox.module.css";

// Nothing of the page, its title included, where it does not exist.
export function generateMetadata(): Metadata {
  return isDevMailboxEnabled() ? { title: "Development mailbox", robots: { index: false } } : {};
}

const LINK = /https?:\/\/\S+/g;

// Exists only when mail goes to the development mailbox: `npm run dev` without SMTP_URL,
// or the browser tests' DEV_MAILBOX=enabled. Everywhere else it is a 404.
export default async function DevMailboxPage() {
  if (!isDevMailboxEnabled()) notFound();
  const mails = await listDevMailbox(getDb());
  const now = renderedAt();
  return (
    <>
      <header className="page-header">
        <h1>Development mailbox</h1>
        <p>
          Mails this server would have sent, newest first. This page exists only in development (or when tests set{" "}
          <code>DEV_MAILBOX=enabled</code>); set <code>SMTP_URL</code> to send mail instead.
        </p>
      </header>
      {mails.length === 0 ? (
        <p role="status" className="alert alert-info">
          No mail yet. Ask for a password reset or register an account, and its mail appears here.
        </p>
      ) : (
        <div className="stack">
          {mails.map((mail) => {
            const links = mail.text.match(LINK) ?? [];
            return (
              <article key={mail.id} aria-labelledby={`mail-${mail.id}`} className={`card ${styles.mail}`}>
                <header className={styles.mailHeader}>
                  <h2 id={`mail-${mail.id}`}>{mail.subject}</h2>
                  <p className={styles.meta}>
                    <RelativeTime iso={mail.createdAt.toISOString()} serverNow={now} />
                  </p>
                </header>
                <p className={styles.meta}>
                  To <strong>{mail.to}</strong>
                </p>
                <pre className={styles.body}>{mail.text}</pre>
                {links.length > 0 ? (
                  <ul aria-label="Links in this mail" className={`cluster ${styles.links}`}>
                    {links.map((link) => (
                      <li key={link}>
                        <a href={link} className="btn btn-small btn-primary">
                          Open link: {new URL(link).pathname}
                        </a>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </article>
            );
          })}
        </div>
      )}
    </>
  );
}
