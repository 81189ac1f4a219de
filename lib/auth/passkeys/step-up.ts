import "server-only";
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { combineMethods } from "../edge/authentication";
import { consumePasskeyAttempt, recordPasskeyFailure } from "../rate-limit";
import { completeReauthentication, reauthDoorAccepts, type ReauthCaller, type ReauthResult } from "../reauth";
import { passkeyAssertionOptions, verifyPasskeyAssertion } from "./assertion";
import type { CeremonyFailure } from "./failures";

// Step-up with a passkey (POST /api/auth/reauth/options, then POST /api/auth/reauth
// {method: "passkey"}): the same assertion check as the sign-in, but the challenge is
// issued to this session and lists only its user's passkeys, so an assertion of another
// account's passkey, or one answering a sign-in challenge, is refused.

export type PasskeyReauthOptions =
  | { ok: true; options: PublicKeyCredentialRequestOptionsJSON }
  | { ok: false; error: "not_reauthenticable" | "no_passkeys" };

export async function passkeyReauthOptions(db: Db, caller: ReauthCaller): Promise<PasskeyReauthOptions> {
  if (!(await reauthDoorAccepts(db, caller))) return { ok: false, error: "not_reauthenticable" };
  // No row is written for an account without passkeys: there is nothing to answer with.
  if ((await db.passkey.count({ where: { userId: caller.userId } })) === 0) return { ok: false, error: "no_passkeys" };
  const owner = { userId: caller.userId, sessionId: caller.sessionId };
  return { ok: true, options: await passkeyAssertionOptions(db, owner) };
}

export type PasskeyReauthResult = ReauthResult | { ok: false; error: "passkey_refused"; failure: CeremonyFailure };

export async function reauthenticateWithPasskey(
  db: Db,
  caller: ReauthCaller,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
  now = new Date(),
): Promise<PasskeyReauthResult> {
  if (!(await reauthDoorAccepts(db, caller))) return { ok: false, error: "not_reauthenticable" };
  // The sign-in's throttle class: a burst of forged assertions meets 429 like password guesses.
  const attempt = await consumePasskeyAttempt(db, client.ip);
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  const verified = await verifyPasskeyAssertion(db, response, caller, now);
  if (!verified.ok) {
    if (verified.account !== null) await recordPasskeyFailure(db, verified.account);
    await recordAuthEvent(db, {
      type: "reauth_failed",
      userId: caller.userId,
      client,
      detail: `passkey refused (${"reason" in verified.failure ? verified.failure.reason : verified.failure.error})`,
      now,
    });
    return { ok: false, error: "passkey_refused", failure: verified.failure };
  }
  await attempt.succeeded();
  const { assertion } = verified;
  // As at sign-in: a passkey that verified its user is two factors in one (docs/decisions/0021-passkeys.md).
  const methods = assertion.userVerified ? combineMethods(assertion.method, "user") : [assertion.method];
  return completeReauthentication(db, caller, { at: now, methods }, client);
}
