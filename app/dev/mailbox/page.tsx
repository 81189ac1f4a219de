import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/db";
import { listDevMailbox } from "@/lib/mail/dev-mailbox";
import { isDevMailboxEnabled } from "@/lib/mail";

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
  return (
    <>
      <h1>Development mailbox</h1>
      <p className="note">
        This page exists only in development (or when tests set <code>DEV_MAILBOX=enabled</code>). Mails are kept here
        instead of being sent; set <code>SMTP_URL</code> to send them.
      </p>
      {mails.length === 0 ? <p>No mail yet.</p> : null}
      {mails.map((mail) => (
        <article key={mail.id} aria-labelledby={`mail-${mail.id}`}>
          <h2 id={`mail-${mail.id}`}>{mail.subject}</h2>
          <p>
            To <strong>{mail.to}</strong>,{" "}
            <time dateTime={mail.createdAt.toISOString()}>{mail.createdAt.toUTCString()}</time>
          </p>
          <pre>{mail.text}</pre>
          <ul aria-label="Links in this mail">
            {(mail.text.match(LINK) ?? []).map((link) => (
              <li key={link}>
                <a href={link}>Open link: {new URL(link).pathname}</a>
              </li>
            ))}
          </ul>
        </article>
      ))}
    </>
  );
}
