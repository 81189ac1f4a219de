import "server-only";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { canSendMail, sendMail } from "../../mail";
import { verificationMail } from "../../mail/message";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { claimEmailToken, EMAIL_VERIFICATION_TTL_SECONDS, emailLink, issueEmailToken } from "./email-tokens";

/** Mails a verification link to a new (or still unverified) account. */
export async function sendVerificationMail(db: Db, user: { id: string; email: string }, client: ClientInfo) {
  if (!canSendMail()) return;
  const token = await issueEmailToken(db, user.id, "email_verification", EMAIL_VERIFICATION_TTL_SECONDS);
  await sendMail(db, verificationMail(user.email, emailLink(getConfig().appOrigin, "/verify-email", token)));
  await recordAuthEvent(db, { type: "email_verification_sent", userId: user.id, client });
}

/** "Send it again": for an unverified account only; silent otherwise (no enumeration). */
export async function resendVerificationMail(db: Db, email: string, client: ClientInfo): Promise<void> {
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true, emailVerifiedAt: true } });
  if (!user || user.emailVerifiedAt) return;
  await sendVerificationMail(db, user, client);
}

export async function verifyEmail(db: Db, token: string, client: ClientInfo): Promise<boolean> {
  const now = new Date();
  const userId = await db.$transaction(async (tx) => {
    const claimed = await claimEmailToken(tx, token, "email_verification", now);
    if (claimed)
      await tx.user.updateMany({ where: { id: claimed, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
    return claimed;
  });
  if (!userId) return false;
  await recordAuthEvent(db, { type: "email_verified", userId, client });
  return true;
}

/** Whether the dashboard should offer to verify: only when mail can be sent at all. */
export async function needsEmailVerification(db: Db, userId: string): Promise<boolean> {
  if (!canSendMail()) return false;
  const user = await db.user.findUnique({ where: { id: userId }, select: { emailVerifiedAt: true } });
  return user !== null && user.emailVerifiedAt === null;
}
