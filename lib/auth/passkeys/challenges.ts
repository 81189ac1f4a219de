import "server-only";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { hashSecretToken, newSecretToken } from "../secret-token";

// WebAuthn challenges live in the database (hashed), not in one process's memory or in a
// cookie: the browser may send its answer to any app instance, and only the database can
// tell every instance that a challenge was answered already.

/** Long enough for a user to find their authenticator, short enough that a leaked challenge soon is worthless. */
export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

/** The ceremony a challenge was issued for; it answers that ceremony only. */
export type ChallengePurpose = "registration" | "authentication" | "reauthentication";

/** Registration and re-authentication challenges belong to one user's session; sign-in ones to nobody yet. */
export type ChallengeOwner = { userId: string; sessionId: string } | null;

type ChallengeStore = Pick<Db, "webauthnChallenge">;

/** A fresh challenge (base64url, 256 bits) for one ceremony, answerable once before it expires. */
export async function issueWebauthnChallenge(
  db: ChallengeStore,
  purpose: ChallengePurpose,
  owner: ChallengeOwner,
  now = new Date(),
): Promise<string> {
  const challenge = newSecretToken();
  await db.webauthnChallenge.create({
    data: {
      id: hashSecretToken(challenge),
      purpose,
      userId: owner?.userId ?? null,
      sessionId: owner?.sessionId ?? null,
      createdAt: now,
      expiresAt: addSeconds(now, WEBAUTHN_CHALLENGE_TTL_SECONDS),
    },
  });
  return challenge;
}

/**
 * Spends the challenge if it is live, unused, was issued for this ceremony and (for a
 * signed-in ceremony) to this session. One conditional update: of two requests that
 * answer the same challenge at once, only one matches `usedAt IS NULL`, on any instance.
 * Spent before the answer is verified, so a failed answer needs a new challenge too.
 */
export async function consumeWebauthnChallenge(
  db: ChallengeStore,
  purpose: ChallengePurpose,
  challenge: string,
  owner: ChallengeOwner,
  now = new Date(),
): Promise<boolean> {
  const { count } = await db.webauthnChallenge.updateMany({
    where: {
      id: hashSecretToken(challenge),
      purpose,
      userId: owner?.userId ?? null,
      sessionId: owner?.sessionId ?? null,
      usedAt: null,
      expiresAt: { gt: now },
    },
    data: { usedAt: now },
  });
  return count === 1;
}
