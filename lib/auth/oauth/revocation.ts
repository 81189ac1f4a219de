import "server-only";
import { decodeJwt } from "jose";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import { checkSessionBinding } from "../bindings";
import type { ClientInfo } from "../client-info";
import { verifyAccessToken } from "../edge/tokens";
import { findSessionIdByRefreshToken } from "../refresh";
import { REVOKE_REASON, revokeSession } from "../session/lifecycle";

// RFC 7009: revoking a refresh or access token ends the session (the token family)
// behind it. Unknown tokens are not errors, so the answer tells an attacker nothing.

/**
 * The session of a genuine access token, expired or not: signature, issuer, audience and
 * type are checked as at the time it was issued. A client that signs out after its access
 * token expired (simple-oauth2's revokeAll revokes that one first) still ends its session.
 */
async function sessionOfAccessToken(token: string): Promise<string | null> {
  let iat: unknown;
  try {
    iat = decodeJwt(token).iat;
  } catch {
    return null;
  }
  if (typeof iat !== "number") return null;
  return (await verifyAccessToken(token, new Date(iat * 1000)))?.sid ?? null;
}

export async function revokeToken(
  db: Db,
  token: string,
  clientId: string | undefined,
  client: ClientInfo,
): Promise<void> {
  const sessionId = (await findSessionIdByRefreshToken(db, token)) ?? (await sessionOfAccessToken(token));
  if (!sessionId) return;
  const session = await db.session.findUnique({ where: { id: sessionId } });
  // §2.1: a client may only revoke its own tokens (lib/auth/bindings.ts, door "token_revocation").
  if (!session || !checkSessionBinding("token_revocation", session, { clientId: clientId ?? null }).ok) return;
  if (await revokeSession(db, sessionId, REVOKE_REASON.logout)) {
    await recordAuthEvent(db, { type: "logout", userId: session.userId, sessionId, client, detail: "token revoked" });
  }
}
