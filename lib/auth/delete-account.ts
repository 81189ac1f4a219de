import "server-only";
import type { Db } from "../db";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { verifyPassword } from "./password";
import { consumePasswordAttempt, mailLimits } from "./rate-limit";

export type DeleteAccountResult =
  | { ok: true }
  | { ok: false; error: "invalid_credentials" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Deletes the account after checking its password. Sessions, refresh tokens and mail
 * links go with the user row (cascade), so no token of it can be refreshed again; the
 * audit trail keeps its events with everything that names the person removed.
 */
export async function deleteAccount(
  db: Db,
  caller: { userId: string },
  password: string,
  client: ClientInfo,
): Promise<DeleteAccountResult> {
  const user = await db.user.findUniqueOrThrow({ where: { id: caller.userId } });
  // The one password-attempt throttle, consumed before bcrypt: a stolen session must not
  // become a password oracle through this door either.
  const attempt = await consumePasswordAttempt(db, { account: user.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  if (!(await verifyPassword(password, user.passwordHash))) {
    await recordAuthEvent(db, {
      type: "login_failed",
      userId: user.id,
      client,
      detail: "wrong password (delete account)",
    });
    return { ok: false, error: "invalid_credentials" };
  }

  const anonymous = { ip: null, userAgent: null };
  await db.$transaction(async (tx) => {
    await tx.authEvent.updateMany({
      where: { userId: user.id },
      data: { userId: null, sessionId: null, ip: null, userAgent: null, detail: null },
    });
    await recordAuthEvent(tx, { type: "account_deleted", client: anonymous });
    await tx.devMail.deleteMany({ where: { to: user.email } });
    await tx.user.delete({ where: { id: user.id } });
  });
  await mailLimits.clearEmail(db, user.email);
  return { ok: true };
}
