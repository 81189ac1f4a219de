import "server-only";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { newSecretToken } from "../secret-token";

// Challenges live in the database, not in one process's memory: the browser may send
// its answer to any app instance, and an instance that restarts must not forget which
// challenges were already answered.

/** Long enough for a slow browser to sign, short enough that a leaked one is soon worthless. */
export const DBSC_CHALLENGE_TTL_SECONDS = 300;

type ChallengeWriter = Pick<Db, "dbscChallenge">;

/** A fresh challenge that only `sessionId` may answer, once, before it expires. */
export async function issueChallenge(db: ChallengeWriter, sessionId: string, now = new Date()): Promise<string> {
  const challenge = newSecretToken();
  await db.dbscChallenge.create({
    data: {
      id: challenge,
      sessionId,
      createdAt: now,
      expiresAt: addSeconds(now, DBSC_CHALLENGE_TTL_SECONDS),
    },
  });
  return challenge;
}

/**
 * Marks the challenge answered if it is live, unused and was issued to this session.
 * One conditional update: of two requests answering the same challenge, only one
 * matches `usedAt IS NULL`.
 */
export async function consumeChallenge(
  db: ChallengeWriter,
  sessionId: string,
  challenge: string,
  now = new Date(),
): Promise<boolean> {
  const { count } = await db.dbscChallenge.updateMany({
    where: { id: challenge, sessionId, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return count === 1;
}
