import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { AccountDisabledError } from "./account-status";
import { recordAuthEvent } from "./audit";
import { CHANNEL, type Channel } from "./bindings";
import type { ClientInfo } from "./client-info";
import { startPendingSignIn, type PendingSignIn } from "./mfa/pending-sign-in";
import { SECOND_FACTOR_METHODS, type SecondFactorMethod } from "./mfa/second-factor";
import { hasConfirmedTotp } from "./mfa/totp";
import { hashPassword, needsRehash, PasswordPoolBusyError, verifyPasswordOrDummy } from "./password";
import { consumePasswordAttempt } from "./rate-limit";
import { startSession } from "./session/lifecycle";
import { type TokenPair } from "./token-pair";

export type SignInResult =
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair }
  // One answer for both (no account enumeration); `reason` is for the metrics only.
  | { ok: false; error: "invalid_credentials"; reason: "wrong_password" | "unknown_user" }
  | { ok: false; error: "email_not_verified" }
  // The password was right; the account has a second factor (browser: a pending sign-in).
  | { ok: false; error: "mfa_required"; pending: PendingSignIn; methods: SecondFactorMethod[] }
  | { ok: false; error: "second_factor_required" }
  | { ok: false; error: "account_disabled" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks email + password and, when they match, starts a new session whose tokens go
 * out on `channel`: the browser's cookies, or the legacy password grant's JSON. Rejects
 * with PasswordPoolBusyError when the password workers' queue is full (the caller answers 503).
 */
export async function signInWithPassword(
  db: Db,
  credentials: { email: string; password: string },
  client: ClientInfo,
  channel: Channel = CHANNEL.browser,
): Promise<SignInResult> {
  // Consumed before bcrypt runs, so a burst of concurrent guesses cannot all pass a check
  // that is only written afterwards (see consumePasswordAttempt).
  const attempt = await consumePasswordAttempt(db, { account: credentials.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };

  const user = await db.user.findUnique({ where: { email: credentials.email } });
  // Always one bcrypt comparison, against a dummy hash for unknown emails, so the
  // response time does not tell whether an account exists.
  const valid = await verifyPasswordOrDummy(credentials.password, user?.passwordHash).catch(async (error: unknown) => {
    // Not judged (the password workers' queue is full: the caller answers 503), so the
    // attempt is given back: nobody learnt anything, and the user's budget is not spent.
    if (error instanceof PasswordPoolBusyError) await attempt.succeeded();
    throw error;
  });
  if (!user || !valid) {
    await recordAuthEvent(db, {
      type: "login_failed",
      userId: user?.id,
      client,
      detail: user ? "wrong password" : "unknown email",
    });
    return { ok: false, error: "invalid_credentials", reason: user ? "wrong_password" : "unknown_user" };
  }
  await attempt.succeeded();
  // Class: a stored hash whose cost differs from BCRYPT_COST makes its account answer at
  // another speed than an unknown email (whose dummy hash has the current cost). The
  // password is known now, so the hash is brought to the current cost; the update is
  // conditional, so a password changed meanwhile is not overwritten.
  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(credentials.password).catch((error: unknown) => {
      // The password workers are saturated: the rehash waits for the next sign-in.
      if (error instanceof PasswordPoolBusyError) return null;
      throw error;
    });
    if (passwordHash) {
      await db.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
    }
  }
  // Told only to whoever knows the password, so it reveals nothing to a guesser.
  if (getConfig().requireVerifiedEmail && !user.emailVerifiedAt) return { ok: false, error: "email_not_verified" };
  if (user.disabledAt) {
    // Told only to whoever knows the password, like the unverified email above.
    await recordAuthEvent(db, { type: "login_failed", userId: user.id, client, detail: "account disabled" });
    return { ok: false, error: "account_disabled" };
  }
  if (await hasConfirmedTotp(db, user.id)) {
    // The legacy password grant has no second step: refused rather than let the password
    // alone open an account that asked for two factors.
    if (channel !== CHANNEL.browser) return { ok: false, error: "second_factor_required" };
    const pending = await startPendingSignIn(db, user.id, ["pwd"], client);
    return { ok: false, error: "mfa_required", pending, methods: [...SECOND_FACTOR_METHODS] };
  }
  let tokens;
  try {
    tokens = await startSession(db, user.id, client, new Date(), undefined, channel);
  } catch (error) {
    // Disabled since the check above (startSession checks again, after its write).
    if (!(error instanceof AccountDisabledError)) throw error;
    await recordAuthEvent(db, { type: "login_failed", userId: user.id, client, detail: "account disabled" });
    return { ok: false, error: "account_disabled" };
  }
  await recordAuthEvent(db, { type: "login_succeeded", userId: user.id, sessionId: tokens.sessionId, client });
  return { ok: true, user: { id: user.id, email: user.email }, tokens };
}
