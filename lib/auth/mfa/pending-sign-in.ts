import "server-only";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { combineMethods, parseMethods, serializeMethods, type AuthMethod } from "../edge/authentication";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "../secret-token";
import { startSession } from "../session/lifecycle";
import type { TokenPair } from "../token-pair";
import { verifySecondFactor, type SecondFactorMethod } from "./second-factor";

// A sign-in whose password was right, waiting for the second factor
// (docs/decisions/0020-second-factor-and-step-up.md). The browser holds a random token
// in an httpOnly cookie; the database holds its hash, the user and what was proved so far.
// No session and no token of any kind exists until the code is right.

export const PENDING_SIGN_IN_TTL_SECONDS = 300;

export type PendingSignIn = { token: string; expiresAt: Date };

export async function startPendingSignIn(
  db: Db,
  userId: string,
  methods: AuthMethod[],
  client: ClientInfo,
  now = new Date(),
): Promise<PendingSignIn> {
  const token = newSecretToken();
  const expiresAt = addSeconds(now, PENDING_SIGN_IN_TTL_SECONDS);
  await db.pendingSignIn.create({
    data: {
      tokenHash: hashSecretToken(token),
      userId,
      methods: serializeMethods(methods),
      createdAt: now,
      expiresAt,
      userAgent: client.userAgent,
      ip: client.ip,
    },
  });
  await recordAuthEvent(db, { type: "mfa_required", userId, client, now });
  return { token, expiresAt };
}

export type CompleteSignInResult =
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair }
  | { ok: false; error: "sign_in_expired" }
  | { ok: false; error: "invalid_code" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Completes a pending sign-in with a code of the second factor. A wrong code leaves it
 * pending (the password throttle bounds the guesses); a right one spends it with a
 * conditional update, so it starts at most one session however many requests race.
 */
export async function completePendingSignIn(
  db: Db,
  token: string | undefined,
  input: { method: SecondFactorMethod; code: string },
  client: ClientInfo,
  now = new Date(),
): Promise<CompleteSignInResult> {
  if (!token || !SECRET_TOKEN_PATTERN.test(token)) return { ok: false, error: "sign_in_expired" };
  const pending = await db.pendingSignIn.findUnique({
    where: { tokenHash: hashSecretToken(token) },
    include: { user: { select: { id: true, email: true } } },
  });
  if (!pending || pending.usedAt !== null || pending.expiresAt <= now) return { ok: false, error: "sign_in_expired" };

  const checked = await verifySecondFactor(db, pending.user, input, client, "sign-in", now);
  if (!checked.ok) return checked;
  const claimed = await db.pendingSignIn.updateMany({
    where: { id: pending.id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) return { ok: false, error: "sign_in_expired" };
  const methods = combineMethods(...parseMethods(pending.methods), ...checked.methods);
  const tokens = await startSession(db, pending.userId, client, now, undefined, undefined, { at: now, methods });
  await recordAuthEvent(db, {
    type: "login_succeeded",
    userId: pending.userId,
    sessionId: tokens.sessionId,
    client,
    detail: `with a second factor (${input.method === "totp" ? "authenticator code" : "recovery code"})`,
    now,
  });
  return { ok: true, user: pending.user, tokens };
}
