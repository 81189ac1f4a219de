import "server-only";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { getDb } from "../../db";
import { checkAccessToken } from "../edge/access";
import { rememberProofJti } from "../oauth/dpop-replay";

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
  };
  accessTokenExpiresAt: Date;
};

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
  const { claims, proof } = access;
  if (proof && !(await rememberProofJti(getDb(), proof, now))) return null;
  const session = await getDb().session.findFirst({
    where: {
      id: claims.sid,
      userId: claims.sub,
      revokedAt: null,
      idleExpiresAt: { gt: now },
      absoluteExpiresAt: { gt: now },
    },
    include: { user: { select: { id: true, email: true } } },
  });
  if (!session) return null;
  const { user, id, createdAt, lastUsedAt, userAgent, clientName, ip, absoluteExpiresAt } = session;
  return {
    user,
    session: { id, createdAt, lastUsedAt, userAgent, clientName, ip, absoluteExpiresAt },
    accessTokenExpiresAt: new Date(claims.exp * 1000),
  };
});
