import "server-only";
import type { Db } from "../db";
import { logger } from "../observability/log";
import type { MailMessage } from "./message";

export type StoredMail = MailMessage & { id: string; createdAt: Date };

export const MAILBOX_SIZE = 50;

/**
 * Keeps a mail instead of sending it. In development (`npm run dev`, a developer's own
 * machine) its links also go to the server log, the quickest way to click one; nowhere
 * else, since a reset link is a credential: a production server never logs one
 * (tests/http/ops-logs.test.ts).
 */
export async function storeInDevMailbox(db: Db, message: MailMessage, logLinks: boolean): Promise<void> {
  await db.devMail.create({ data: message });
  if (logLinks) {
    const links = message.text.match(/https?:\/\/\S+/g) ?? [];
    logger().info(`[dev mailbox] to ${message.to}: ${message.subject}${links.map((l) => `\n  ${l}`).join("")}`);
  }
}

export async function listDevMailbox(db: Db): Promise<StoredMail[]> {
  return db.devMail.findMany({ orderBy: { createdAt: "desc" }, take: MAILBOX_SIZE });
}
