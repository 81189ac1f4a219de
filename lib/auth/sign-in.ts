import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { hashPassword, needsRehash, verifyPasswordOrDummy } from "./password";
import { consumePasswordAttempt } from "./rate-limit";
import { startSession } from "./session/lifecycle";
import { type TokenPair } from "./token-pair";

export type SignInResult =
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair }
  | { ok: false; error: "invalid_credentials" }
  | { ok: false; error: "email_not_verified" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/** Checks email + password and, when they match, starts a new session. */
export async function signInWithPassword(
  db: Db,
  credentials: { email: string; password: string },
  client: ClientInfo,
): Promise<SignInResult> {
  // Consumed before bcrypt runs, so a burst of concurrent guesses cannot all pass a check
  // that is only written afterwards (see consumePasswordAttempt).
  const attempt = await consumePasswordAttempt(db, { account: credentials.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };

  const user = await db.user.findUnique({ where: { email: credentials.email } });
  // Always one bcrypt comparison, against a dummy hash for unknown emails, so the
  // response time does not tell whether an account exists.
  const valid = await verifyPasswordOrDummy(credentials.password, user?.passwordHash);
  if (!user || !valid) {
    await recordAuthEvent(db, {
      type: "login_failed",
      userId: user?.id,
      client,
      detail: user ? "wrong password" : "unknown email",
    });
    return { ok: false, error: "invalid_credentials" };
  }
  await attempt.succeeded();
  // Class: a stored hash whose cost differs from BCRYPT_COST makes its account answer at
  // another speed than an unknown email (whose dummy hash has the current cost). The
  // password is known now, so the hash is brought to the current cost; the update is
  // conditional, so a password changed meanwhile is not overwritten.
  if (needsRehash(user.passwordHash)) {
    await db.user.updateMany({
      where: { id: user.id, passwordHash: user.passwordHash },
      data: { passwordHash: await hashPassword(credentials.password) },
    });
  }
  // Told only to whoever knows the password, so it reveals nothing to a guesser.
  if (getConfig().requireVerifiedEmail && !user.emailVerifiedAt) return { ok: false, error: "email_not_verified" };
  const tokens = await startSession(db, user.id, client);
  await recordAuthEvent(db, { type: "login_succeeded", userId: user.id, sessionId: tokens.sessionId, client });
  return { ok: true, user: { id: user.id, email: user.email }, tokens };
}
