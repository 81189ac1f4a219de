import "server-only";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { retryOnConflict } from "../../db/retry";
import { canSendMail, sendMail } from "../../mail";
import { passwordResetMail } from "../../mail/message";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { claimEmailToken, emailLink, issueEmailToken } from "./email-tokens";
import { hashPassword } from "../password";
import { clearPasswordAttempts } from "../rate-limit";
import { hasConfirmedTotp } from "../mfa/totp";
import { startSession } from "../session/lifecycle";
import { type TokenPair } from "../token-pair";

// Revocation reason of the sessions a reset ends (refresh.ts's REVOKE_REASON is shared).
export const PASSWORD_RESET_REASON = "password_reset";

const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/**
 * Mails a reset link if the account exists; does nothing otherwise. The route runs this
 * after its response has gone out, so neither the answer nor its timing tells whether
 * the address has an account.
 */
export async function sendPasswordResetMail(db: Db, email: string, client: ClientInfo): Promise<void> {
  if (!canSendMail()) return;
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true } });
  if (!user) return;
  const { appOrigin, resetTokenTtlSeconds } = getConfig();
  const token = await issueEmailToken(db, user.id, "password_reset", resetTokenTtlSeconds);
  await sendMail(
    db,
    passwordResetMail(user.email, emailLink(appOrigin, "/reset-password", token), resetTokenTtlSeconds),
  );
  await recordAuthEvent(db, { type: "password_reset_requested", userId: user.id, client });
}

export type PasswordResetResult =
  // tokens is null for an account with a second factor: the reset does not sign it in.
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair | null }
  | { ok: false; error: "invalid_token" | "account_disabled" };

/**
 * Sets a new password with a reset link. Whoever held the old password may hold a
 * session too, so every session of the account (each a refresh-token family) is
 * revoked and every outstanding reset link spent; then this browser gets a new session.
 */
export async function resetPassword(
  db: Db,
  input: { token: string; password: string },
  client: ClientInfo,
): Promise<PasswordResetResult> {
  // bcrypt outside the transaction: it is slow and needs no lock.
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  const reset = await retryOnConflict(() =>
    db.$transaction(async (tx) => {
      const userId = await claimEmailToken(tx, input.token, "password_reset", now);
      if (!userId) return null;
      const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
      // A disabled account gets no session, so no new password either: the link is spent.
      if (user.disabledAt) return "account_disabled" as const;
      // Following the mailed link proves control of the address as well.
      await tx.user.update({
        where: { id: userId },
        data: { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now },
      });
      const revoked = await tx.session.updateMany({
        where: { userId, revokedAt: null },
        data: { revokedAt: now, revokedReason: PASSWORD_RESET_REASON },
      });
      return { id: user.id, email: user.email, revokedSessions: revoked.count };
    }, TRANSACTION_OPTIONS),
  );
  if (!reset) return { ok: false, error: "invalid_token" };
  if (reset === "account_disabled") return { ok: false, error: reset };

  // A lock-out from guessing ends with the reset: the owner has just proven themselves.
  await clearPasswordAttempts(db, reset.email);
  // The mailed link proves the address, not the second factor: an account with TOTP is not
  // signed in here; it signs in with the new password and a code
  // (docs/decisions/0020-second-factor-and-step-up.md).
  const tokens = (await hasConfirmedTotp(db, reset.id)) ? null : await startSession(db, reset.id, client, now);
  await recordAuthEvent(db, {
    type: "password_reset",
    userId: reset.id,
    sessionId: tokens?.sessionId,
    client,
    detail: `${reset.revokedSessions} session${reset.revokedSessions === 1 ? "" : "s"} signed out`,
  });
  return { ok: true, user: { id: reset.id, email: reset.email }, tokens };
}
