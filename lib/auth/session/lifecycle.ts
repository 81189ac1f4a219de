import "server-only";
import { getConfig } from "../../config";
import { addSeconds, earlier } from "../../dates";
import type { Db } from "../../db";
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
} as const;

/** Creates a session with its first refresh token. */
export async function startSession(
  db: Db,
  userId: string,
  client: ClientInfo,
  now = new Date(),
  binding: SessionBinding = UNBOUND,
): Promise<TokenPair> {
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
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt,
      absoluteExpiresAt,
      refreshTokens: {
        create: { tokenHash: hashRefreshToken(refreshToken), createdAt: now, expiresAt: idleExpiresAt },
      },
    },
  });
  return issueTokenPair(
    { userId, sessionId: session.id, refreshToken, refreshTokenExpiresAt: idleExpiresAt, binding },
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
