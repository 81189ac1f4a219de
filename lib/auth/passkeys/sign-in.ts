import "server-only";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import { CHANNEL } from "../bindings";
import type { ClientInfo } from "../client-info";
import { consumePasskeyAttempt, recordPasskeyFailure } from "../rate-limit";
import { AccountDisabledError } from "../account-status";
import { combineMethods } from "../edge/authentication";
import { startSession } from "../session/lifecycle";
import { UNBOUND } from "../token-pair";
import type { TokenPair } from "../token-pair";
import { verifyPasskeyAssertion, type VerifiedAssertion } from "./assertion";
import type { CeremonyFailure } from "./failures";

export type PasskeySignInResult =
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair; assertion: VerifiedAssertion }
  | { ok: false; failure: CeremonyFailure }
  | { ok: false; error: "email_not_verified" }
  | { ok: false; error: "account_disabled" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Signs in with a passkey: the assertion answers a sign-in challenge, and a browser
 * session starts exactly as after a password (same session start, same cookies). The
 * authenticator names the account, so no email is asked.
 */
export async function signInWithPasskey(
  db: Db,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
  now = new Date(),
): Promise<PasskeySignInResult> {
  // Counted before anything is checked, as password attempts are (lib/auth/rate-limit.ts).
  const attempt = await consumePasskeyAttempt(db, client.ip);
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  const verified = await verifyPasskeyAssertion(db, response, null, now);
  if (!verified.ok) {
    if (verified.account !== null) await recordPasskeyFailure(db, verified.account);
    const user = verified.account ? await db.user.findUnique({ where: { email: verified.account } }) : null;
    await recordAuthEvent(db, {
      type: "passkey_sign_in_failed",
      userId: user?.id,
      client,
      detail: "reason" in verified.failure ? verified.failure.reason : verified.failure.error,
      now,
    });
    return { ok: false, failure: verified.failure };
  }
  await attempt.succeeded();
  const { assertion } = verified;
  if (getConfig().requireVerifiedEmail) {
    const user = await db.user.findUnique({ where: { id: assertion.userId }, select: { emailVerifiedAt: true } });
    if (!user?.emailVerifiedAt) return { ok: false, error: "email_not_verified" };
  }
  // A passkey that verified its user (PIN, biometrics) is two factors in one: possession
  // of the key and the user's verification (docs/decisions/0021-passkeys.md).
  const methods = assertion.userVerified ? combineMethods(assertion.method, "user") : [assertion.method];
  let tokens;
  try {
    tokens = await startSession(db, assertion.userId, client, now, UNBOUND, CHANNEL.browser, { at: now, methods });
  } catch (error) {
    if (!(error instanceof AccountDisabledError)) throw error;
    return { ok: false, error: "account_disabled" };
  }
  await recordAuthEvent(db, {
    type: "login_succeeded",
    userId: assertion.userId,
    sessionId: tokens.sessionId,
    client,
    detail: `passkey (${assertion.method}${assertion.userVerified ? ", user verified" : ""})`,
    now,
  });
  return { ok: true, user: { id: assertion.userId, email: assertion.email }, tokens, assertion };
}
