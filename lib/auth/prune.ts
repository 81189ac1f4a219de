import "server-only";
import { getConfig } from "../config";
import { addSeconds } from "../dates";
import type { Db } from "../db";

export type PruneResult = { sessions: number; refreshTokens: number; dbscChallenges: number };

/**
 * Deletes what can no longer authenticate anyone; the audit log is left alone.
 * - Sessions past their idle or absolute expiry, and revoked sessions once any token of
 *   theirs would have expired anyway (their tokens go with them).
 * - Used refresh tokens older than the idle lifetime. Until then a used token is kept:
 *   it is what recognises a replay as theft. After that a replay is only "invalid".
 * - DBSC challenges past their expiry: one is made per sign-in and refresh over https,
 *   and an expired one can no longer be answered, used or not.
 */
export async function pruneExpired(db: Db, now = new Date()): Promise<PruneResult> {
  const idleCutoff = addSeconds(now, -getConfig().refreshIdleTtlSeconds);
  const sessions = await db.session.deleteMany({
    where: {
      OR: [{ idleExpiresAt: { lte: now } }, { absoluteExpiresAt: { lte: now } }, { revokedAt: { lte: idleCutoff } }],
    },
  });
  const refreshTokens = await db.refreshToken.deleteMany({ where: { usedAt: { lte: idleCutoff } } });
  const dbscChallenges = await db.dbscChallenge.deleteMany({ where: { expiresAt: { lte: now } } });
  return { sessions: sessions.count, refreshTokens: refreshTokens.count, dbscChallenges: dbscChallenges.count };
}
