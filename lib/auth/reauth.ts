import "server-only";
import type { Db } from "../db";
import { recordAuthEvent } from "./audit";
import type { Authentication, AuthMethod } from "./edge/authentication";
import { checkSessionBinding } from "./bindings";
import type { ClientInfo } from "./client-info";
import { verifySecondFactor, type SecondFactorMethod } from "./mfa/second-factor";
import { hasConfirmedTotp } from "./mfa/totp";
import { PasswordPoolBusyError, verifyPassword } from "./password";
import { consumePasswordAttempt } from "./rate-limit";
import { reissueSessionTokens } from "./refresh";
import { recordAuthentication } from "./session/lifecycle";
import type { TokenPair } from "./token-pair";

// Step-up re-authentication (POST /api/auth/reauth, issue 23): the signed-in user proves
// again who they are; the session records when and how, and its tokens are reissued
// (the access token's auth_time and amr change), like a refresh rotates them.
// Rules (docs/decisions/0020-second-factor-and-step-up.md): an account with a second
// factor re-authenticates with it (a code, a recovery code or a passkey), never with the
// password alone — the password is the factor most often stolen together with a session.

export type ReauthProof = { method: "password"; password: string } | { method: SecondFactorMethod; code: string };

export type ReauthFailure =
  | { ok: false; error: "invalid_credentials" }
  | { ok: false; error: "invalid_code" }
  | { ok: false; error: "second_factor_required" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; error: "not_reauthenticable" };

export type ReauthResult = { ok: true; tokens: TokenPair; authentication: Authentication } | ReauthFailure;

/** Who asks: the caller found by getCurrentSession(), and how its access token came. */
export type ReauthCaller = { userId: string; sessionId: string; accessVia: "cookie" | "header" };

/**
 * Whether this session may re-authenticate here at all (door "reauth" of
 * lib/auth/bindings.ts): only a browser session, through its cookie. A token-API client
 * steps up through a new authorization request (RFC 9470), never by posting a password.
 */
export async function reauthDoorAccepts(db: Db, caller: ReauthCaller): Promise<boolean> {
  const session = await db.session.findUnique({ where: { id: caller.sessionId } });
  return session !== null && checkSessionBinding("reauth", session, { accessVia: caller.accessVia }).ok;
}

export async function reauthenticate(
  db: Db,
  caller: ReauthCaller,
  proof: ReauthProof,
  client: ClientInfo,
  now = new Date(),
): Promise<ReauthResult> {
  if (!(await reauthDoorAccepts(db, caller))) return { ok: false, error: "not_reauthenticable" };
  const user = await db.user.findUniqueOrThrow({ where: { id: caller.userId } });
  let methods: AuthMethod[];
  if (proof.method === "password") {
    if (await hasConfirmedTotp(db, user.id)) return { ok: false, error: "second_factor_required" };
    const attempt = await consumePasswordAttempt(db, { account: user.email, ip: client.ip });
    if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
    const valid = await verifyPassword(proof.password, user.passwordHash).catch(async (error: unknown) => {
      // Not judged: the point is given back (see signInWithPassword).
      if (error instanceof PasswordPoolBusyError) await attempt.succeeded();
      throw error;
    });
    if (!valid) {
      await recordAuthEvent(db, { type: "reauth_failed", userId: user.id, client, detail: "wrong password (step-up)" });
      return { ok: false, error: "invalid_credentials" };
    }
    await attempt.succeeded();
    methods = ["pwd"];
  } else {
    const checked = await verifySecondFactor(db, user, proof, client, "step-up", now);
    if (!checked.ok) return checked;
    methods = checked.methods;
  }
  return completeReauthentication(db, caller, { at: now, methods }, client);
}

/**
 * Records a successful re-authentication on the session and reissues its tokens. The
 * passkey step-up calls this after its own assertion check, with its methods.
 */
export async function completeReauthentication(
  db: Db,
  caller: { userId: string; sessionId: string },
  authentication: Authentication,
  client: ClientInfo,
): Promise<ReauthResult> {
  if (!(await recordAuthentication(db, caller.sessionId, authentication))) {
    return { ok: false, error: "not_reauthenticable" };
  }
  const tokens = await reissueSessionTokens(db, caller.sessionId, authentication.at);
  await recordAuthEvent(db, {
    type: "reauthenticated",
    userId: caller.userId,
    sessionId: caller.sessionId,
    client,
    detail: authentication.methods.join(" "),
  });
  return { ok: true, tokens, authentication };
}
