import "server-only";
import type { Db } from "../db";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { findSessionIdByRefreshToken } from "./refresh";
import { REVOKE_REASON, revokeSession } from "./session/lifecycle";
import { verifyAccessToken } from "./edge/tokens";

/**
 * Revokes the session the caller's cookies name. The refresh token identifies it even
 * after the access token expired; the access token covers a client that lost the other.
 * Idempotent: no cookies, unknown or already revoked sessions are not errors.
 */
export async function signOut(
  db: Db,
  cookies: { accessToken?: string; refreshToken?: string },
  client: ClientInfo,
): Promise<void> {
  const sessionId =
    (cookies.refreshToken ? await findSessionIdByRefreshToken(db, cookies.refreshToken) : null) ??
    (cookies.accessToken ? (await verifyAccessToken(cookies.accessToken))?.sid : null);
  if (!sessionId) return;
  const session = await db.session.findUnique({ where: { id: sessionId }, select: { userId: true } });
  if (!session) return;
  if (await revokeSession(db, sessionId, REVOKE_REASON.logout)) {
    await recordAuthEvent(db, { type: "logout", userId: session.userId, sessionId, client });
  }
}
