import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { countMail } from "../observability/metrics";
import { storeInDevMailbox } from "./dev-mailbox";
import type { MailMessage } from "./message";
import { sendOverSmtp } from "./smtp";

/** Whether this server can send mail at all (see MailConfig for where it goes). */
export function canSendMail(): boolean {
  return getConfig().mail.transport !== "none";
}

export function isDevMailboxEnabled(): boolean {
  return getConfig().mail.transport === "dev-mailbox";
}

export async function sendMail(db: Db, message: MailMessage): Promise<void> {
  try {
    await deliver(db, message);
  } catch (error) {
    countMail("failed");
    throw error;
  }
  countMail("sent");
}

async function deliver(db: Db, message: MailMessage): Promise<void> {
  const mail = getConfig().mail;
  switch (mail.transport) {
    case "smtp":
      return sendOverSmtp(mail.smtpUrl, mail.from, message);
    case "dev-mailbox":
      return storeInDevMailbox(db, message, mail.logLinks);
    case "none":
      throw new Error("sendMail() called without a mail transport; check canSendMail() first.");
  }
}
