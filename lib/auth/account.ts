import "server-only";
import type { Db } from "../db";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { hashPassword, verifyPassword } from "./password";
import { consumePasswordAttempt } from "./rate-limit";
import { spendEmailTokens } from "./recovery/email-tokens";
import { reissueSessionTokens } from "./refresh";
import { REVOKE_REASON } from "./session/lifecycle";
import { type TokenPair } from "./token-pair";
import { revokeOtherSessions } from "./session/active";

export type ChangePasswordResult =
  | { ok: true; tokens: TokenPair; revokedSessions: number }
  | { ok: false; error: "invalid_credentials" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Changes the password after checking the current one. Every other session is revoked
 * (whoever knew the old password is out) and every reset link mailed so far is spent;
 * this session stays, with fresh tokens.
 */
export async function changePassword(
  db: Db,
  caller: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
): Promise<ChangePasswordResult> {
  const user = await db.user.findUniqueOrThrow({ where: { id: caller.userId } });
  // The same throttle as sign-in, keyed by the account's email: a stolen session (or an
  // XSS) must not get a second, unlimited way to guess the password.
  const attempt = await consumePasswordAttempt(db, { account: user.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  if (!(await verifyPassword(input.currentPassword, user.passwordHash)))
    return { ok: false, error: "invalid_credentials" };
  await attempt.succeeded();
  const passwordHash = await hashPassword(input.newPassword);
  // One transaction: a reset link mailed before the change (to whoever asked for one,
  // perhaps the person the change locks out) dies with the old password, never after it.
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await spendEmailTokens(tx, user.id, "password_reset");
  });
  const revokedSessions = await revokeOtherSessions(
    db,
    user.id,
    caller.sessionId,
    REVOKE_REASON.passwordChanged,
    client,
  );
  const tokens = await reissueSessionTokens(db, caller.sessionId);
  await recordAuthEvent(db, { type: "password_changed", userId: user.id, sessionId: caller.sessionId, client });
  return { ok: true, tokens, revokedSessions };
}
