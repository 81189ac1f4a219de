import "server-only";
import type { Db } from "../db";
import type { MailMessage } from "./message";

export type StoredMail = MailMessage & { id: string; createdAt: Date };

const MAILBOX_SIZE = 50;

/**
 * Keeps a mail instead of sending it. In development its links also go to the server
 * log, the quickest way to click one; nowhere else, since a reset link is a credential.
 */
export async function storeInDevMailbox(db: Db, message: MailMessage, logLinks: boolean): Promise<void> {
  await db.devMail.create({ data: message });
  if (logLinks) {
    const links = message.text.match(/https?:\/\/\S+/g) ?? [];
    console.info(`[dev mailbox] to ${message.to}: ${message.subject}${links.map((l) => `\n  ${l}`).join("")}`);
  }
}

export async function listDevMailbox(db: Db): Promise<StoredMail[]> {
  return db.devMail.findMany({ orderBy: { createdAt: "desc" }, take: MAILBOX_SIZE });
}
