import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { recordAuthEvent, type ClientInfo } from "./audit";
import { verifyPasswordOrDummy } from "./password";
import { loginLimits } from "./rate-limit";
import { startSession, type TokenPair } from "./refresh";

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
  // Keyed by the submitted email whether or not the account exists, so the limit
  // reveals nothing about which emails are registered.
  const limit = await loginLimits.check(db, credentials.email, client.ip);
  if (limit.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };

  const user = await db.user.findUnique({ where: { email: credentials.email } });
  // Always one bcrypt comparison, against a dummy hash for unknown emails, so the
  // response time does not tell whether an account exists.
  const valid = await verifyPasswordOrDummy(credentials.password, user?.passwordHash);
  if (!user || !valid) {
    await loginLimits.recordFailure(db, credentials.email, client.ip);
    await recordAuthEvent(db, {
      type: "login_failed",
      userId: user?.id,
      client,
      detail: user ? "wrong password" : "unknown email",
    });
    return { ok: false, error: "invalid_credentials" };
  }
  await loginLimits.clearAccount(db, credentials.email);
  // Told only to whoever knows the password, so it reveals nothing to a guesser.
  if (getConfig().requireVerifiedEmail && !user.emailVerifiedAt) return { ok: false, error: "email_not_verified" };
  const tokens = await startSession(db, user.id, client);
  await recordAuthEvent(db, { type: "login_succeeded", userId: user.id, sessionId: tokens.sessionId, client });
  return { ok: true, user: { id: user.id, email: user.email }, tokens };
}
