import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { isUniqueViolation } from "../db/errors";
import { retryOnConflict } from "../db/retry";
import { sendMail } from "../mail";
import { emailChangeMail, emailTakenMail } from "../mail/message";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { notifyEmailChanged } from "./notifications";
import {
  claimEmailTokenRow,
  emailLink,
  issueEmailToken,
  peekEmailToken,
  spendEmailTokens,
} from "./recovery/email-tokens";

// Changing the account's address (issue 23, item 5; decision 0022). The signed-in,
// recently re-authenticated user names the new address; a single-use link goes to it;
// the change happens only when that link is opened and confirmed, which proves the
// new mailbox is theirs. The old address is told afterwards.

/** The link's lifetime: that of a reset link (RESET_TOKEN_TTL_SECONDS), the other credential sent by mail. */
const ttlSeconds = () => getConfig().resetTokenTtlSeconds;

/**
 * Mails the confirmation link, run after the route has answered. The answer is the same
 * whether or not the new address already has an account (the caller has not proven they
 * own it, so it must not learn whose it is); an address that is taken gets a mail that
 * says someone tried, with no link, instead.
 */
export async function sendEmailChangeMail(
  db: Db,
  user: { id: string; email: string },
  newEmail: string,
  client: ClientInfo,
): Promise<void> {
  const holder = await db.user.findUnique({ where: { email: newEmail }, select: { id: true } });
  if (holder) {
    await sendMail(db, emailTakenMail(newEmail));
    await recordAuthEvent(db, { type: "email_change_requested", userId: user.id, client, detail: "address taken" });
    return;
  }
  const now = new Date();
  // Only the newest request counts: a link to an address the user has since given up on
  // must not still move the account there.
  const token = await db.$transaction(async (tx) => {
    await spendEmailTokens(tx, user.id, "email_change", now);
    return issueEmailToken(tx, user.id, "email_change", ttlSeconds(), now, newEmail);
  });
  await sendMail(
    db,
    emailChangeMail(newEmail, emailLink(getConfig().appOrigin, "/confirm-email-change", token), ttlSeconds()),
  );
  await recordAuthEvent(db, { type: "email_change_requested", userId: user.id, client });
}

/** What an unspent link would do, for its confirmation page; null when it would do nothing. */
export async function pendingEmailChange(db: Db, token: string): Promise<{ newEmail: string } | null> {
  const row = await peekEmailToken(db, token, "email_change");
  return row?.newEmail ? { newEmail: row.newEmail } : null;
}

export type EmailChangeResult =
  | { ok: true; user: { id: string; email: string } }
  | { ok: false; error: "invalid_token" }
  | { ok: false; error: "email_taken" };

class AddressTaken extends Error {}

/**
 * Moves the account to the link's address. One transaction claims the link, changes the
 * address (now verified: the link proved it) and spends every other link ever mailed to
 * the account (reset, verification, other changes): each went to one of its addresses,
 * and none may act after the address changed. If the address was taken meanwhile the
 * transaction rolls back: 409, nothing changed, the link still works if it frees up.
 */
export async function confirmEmailChange(db: Db, token: string, client: ClientInfo): Promise<EmailChangeResult> {
  const now = new Date();
  let changed: { id: string; oldEmail: string; newEmail: string } | null;
  try {
    changed = await retryOnConflict(() =>
      db.$transaction(async (tx) => {
        const claimed = await claimEmailTokenRow(tx, token, "email_change", now);
        if (!claimed?.newEmail) return null;
        const user = await tx.user.findUniqueOrThrow({ where: { id: claimed.userId }, select: { email: true } });
        const holder = await tx.user.findUnique({ where: { email: claimed.newEmail }, select: { id: true } });
        if (holder && holder.id !== claimed.userId) throw new AddressTaken();
        await tx.user.update({
          where: { id: claimed.userId },
          data: { email: claimed.newEmail, emailVerifiedAt: now },
        });
        await spendEmailTokens(tx, claimed.userId, "all", now);
        return { id: claimed.userId, oldEmail: user.email, newEmail: claimed.newEmail };
      }),
    );
  } catch (error) {
    // The check above, or the unique index when another account took it at the same moment.
    if (error instanceof AddressTaken || isUniqueViolation(error)) return { ok: false, error: "email_taken" };
    throw error;
  }
  if (!changed) return { ok: false, error: "invalid_token" };
  await recordAuthEvent(db, { type: "email_changed", userId: changed.id, client });
  notifyEmailChanged(db, changed, client);
  return { ok: true, user: { id: changed.id, email: changed.newEmail } };
}
