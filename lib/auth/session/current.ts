import "server-only";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { getDb } from "../../db";
import { parseMethods, type Authentication } from "../edge/authentication";
import { checkSessionBinding, type Door, type SessionBindingColumns } from "../bindings";
import type { AuthChallenge } from "../../http/responses";
import { checkAccessToken } from "../edge/access";
import type { AccessTokenClaims } from "../edge/tokens";
import { rememberProofJti } from "../oauth/dpop-replay";
import { noteRequestSubject } from "../../observability/request-context";

export type CurrentSession = {
  user: { id: string; email: string };
  session: {
    id: string;
    createdAt: Date;
    lastUsedAt: Date;
    userAgent: string | null;
    clientName: string | null;
    ip: string | null;
    absoluteExpiresAt: Date;
    /** When and how the user last proved who they are here (lib/auth/step-up.ts). */
    authentication: Authentication;
    binding: SessionBindingColumns;
  };
  accessTokenExpiresAt: Date;
  /** How the access token came: a browser's cookie, or an Authorization header (token API). */
  via: "cookie" | "Bearer" | "DPoP";
  /** The same, as the binding module reads it, with the DPoP key the request proved. */
  presented: { accessVia: "cookie" | "header"; dpopJkt: string | null };
};

const findLiveSession = (claims: AccessTokenClaims, now: Date) =>
  getDb().session.findFirst({
    where: {
      id: claims.sid,
      userId: claims.sub,
      revokedAt: null,
      idleExpiresAt: { gt: now },
      absoluteExpiresAt: { gt: now },
    },
    include: { user: { select: { id: true, email: true } } },
  });

/**
 * Who is calling, checked against the database: the access token must verify and its
 * session must exist, be unrevoked and unexpired. The middleware only checks the token,
 * so this is what makes a revoked session lose data access at once. Cached per request.
 */
export const getCurrentSession = cache(async (): Promise<CurrentSession | null> => {
  const now = new Date();
  // The middleware checked the proof's method and URL; the rest is checked again here,
  // plus what the edge cannot: that this proof was not used before (by any instance).
  const access = await checkAccessToken(await headers(), await cookies(), "checked-by-gate", now);
  if (!access.ok) return null;
  const { claims, proof, via } = access;
  if (proof && !(await rememberProofJti(getDb(), proof, now))) return null;
  const session = await findLiveSession(claims, now);
  // The token must come as its session's tokens were handed out, with the session's DPoP
  // key if it has one (lib/auth/bindings.ts, door "resource").
  if (!session || !checkSessionBinding("resource", session, { accessVia: via, dpopJkt: proof?.jkt ?? null }).ok) {
    return null;
  }
  const { user, id, createdAt, lastUsedAt, userAgent, clientName, ip, absoluteExpiresAt } = session;
  noteRequestSubject({ userId: user.id, sessionId: id });
  // From the row, not the token: a re-authentication counts at once, in every tab.
  const authentication = { at: session.authenticatedAt, methods: parseMethods(session.authMethods) };
  const { channel, clientId, scope, dpopJkt, dbscThumbprint } = session;
  return {
    user,
    session: {
      id,
      createdAt,
      lastUsedAt,
      userAgent,
      clientName,
      ip,
      absoluteExpiresAt,
      authentication,
      binding: { channel, clientId, scope, dpopJkt, dbscThumbprint },
    },
    accessTokenExpiresAt: new Date(claims.exp * 1000),
    via: via === "cookie" ? "cookie" : proof ? "DPoP" : "Bearer",
    presented: { accessVia: via, dpopJkt: proof?.jkt ?? null },
  };
});

/** Whether the current session's credential may also pass `door` (lib/auth/bindings.ts). */
export const currentSessionPasses = (current: CurrentSession, door: Door): boolean =>
  checkSessionBinding(door, current.session.binding, current.presented).ok;

/**
 * Why getCurrentSession() answered null, as the 401's challenge in the scheme the request
 * used: RFC 6750 §3.1 for Bearer (and the cookie), RFC 9449 §7.1 for DPoP, so a DPoP
 * client is never told `Bearer`. Only reads: the proof is not remembered again (route
 * handlers run outside React's cache, so getCurrentSession's answer is not at hand).
 */
export async function currentSessionChallenge(): Promise<AuthChallenge> {
  const now = new Date();
  const access = await checkAccessToken(await headers(), await cookies(), "checked-by-gate", now);
  if (!access.ok) return access.challenge;
  const dpopBound = access.claims.jkt !== undefined;
  // The token itself is good, so its session is gone, or (DPoP) its proof was a replay:
  // a live session tells the second case apart.
  if (dpopBound && (await findLiveSession(access.claims, now))) return { scheme: "DPoP", error: "invalid_dpop_proof" };
  return { scheme: dpopBound ? "DPoP" : "Bearer", error: "invalid_token" };
}
