import "server-only";
import { getConfig } from "../../config";
import { addSeconds, earlier } from "../../dates";
import type { Db } from "../../db";
import { assertAccountMayStartSession } from "../account-status";
import { passwordAuthentication, serializeMethods, type Authentication } from "../edge/authentication";
import { CHANNEL, type Channel } from "../bindings";
import type { ClientInfo } from "../client-info";
import {
  hashRefreshToken,
  issueTokenPair,
  newRefreshToken,
  UNBOUND,
  type SessionBinding,
  type TokenPair,
} from "../token-pair";

// A session is one sign-in on one device: it starts with a refresh token, lives while
// its chain of successors is used (lib/auth/refresh.ts), and ends at its idle or
// absolute expiry or when it is revoked for one of these reasons.

export const REVOKE_REASON = {
  logout: "logout",
  reuse: "refresh_token_reused",
  user: "revoked_by_user",
  passwordChanged: "password_changed",
  accountDisabled: "account_disabled",
  admin: "revoked_by_admin",
  everyone: "everyone_signed_out",
} as const;

/**
 * Records a new authentication on a live session (a step-up re-authentication): later
 * tokens carry its auth_time and amr. False when the session is gone or revoked.
 */
export async function recordAuthentication(
  db: Db,
  sessionId: string,
  authentication: Authentication,
): Promise<boolean> {
  const result = await db.session.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { authenticatedAt: authentication.at, authMethods: serializeMethods(authentication.methods) },
  });
  return result.count === 1;
}

/**
 * Creates a session with its first refresh token. `channel` says where its tokens go
 * (lib/auth/bindings.ts): an OAuth client's session is always a token-API one.
 * `authentication` is how the user just proved who they are (a password sign-in unless
 * said otherwise): it becomes the tokens' auth_time and amr and dates step-up
 * (lib/auth/step-up.ts). Rejects with AccountDisabledError for a disabled account
 * (lib/auth/account-status.ts): every sign-in and grant starts its session here, so this
 * is where they are all refused.
 */
export async function startSession(
  db: Db,
  userId: string,
  client: ClientInfo,
  now = new Date(),
  binding: SessionBinding = UNBOUND,
  channel: Channel = binding.clientId === null ? CHANNEL.browser : CHANNEL.tokenApi,
  authentication: Authentication = passwordAuthentication(now),
): Promise<TokenPair> {
  await assertAccountMayStartSession(db, userId);
  const config = getConfig();
  const absoluteExpiresAt = addSeconds(now, config.sessionMaxAgeSeconds);
  const idleExpiresAt = earlier(addSeconds(now, config.refreshIdleTtlSeconds), absoluteExpiresAt);
  const refreshToken = newRefreshToken();
  const session = await db.session.create({
    data: {
      userId,
      userAgent: client.userAgent,
      clientName: client.clientName ?? null,
      ip: client.ip,
      ...binding,
      channel,
      authenticatedAt: authentication.at,
      authMethods: serializeMethods(authentication.methods),
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt,
      absoluteExpiresAt,
      refreshTokens: {
        create: { tokenHash: hashRefreshToken(refreshToken), createdAt: now, expiresAt: idleExpiresAt },
      },
    },
  });
  // Read after the write: an account disabled while this session was being created
  // either revoked it already or is seen here (lib/auth/account-status.ts).
  try {
    await assertAccountMayStartSession(db, userId);
  } catch (error) {
    await revokeSession(db, session.id, REVOKE_REASON.accountDisabled, now);
    throw error;
  }
  return issueTokenPair(
    { userId, sessionId: session.id, refreshToken, refreshTokenExpiresAt: idleExpiresAt, binding, authentication },
    now,
  );
}

/** Revokes a session and with it every refresh token of its family. Idempotent. */
export async function revokeSession(db: Db, sessionId: string, reason: string, now = new Date()): Promise<boolean> {
  const result = await db.session.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: now, revokedReason: reason },
  });
  return result.count === 1;
}
