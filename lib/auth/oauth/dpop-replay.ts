import "server-only";
import { createHash } from "node:crypto";
import { Prisma } from "../../generated/prisma/client";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { DPOP_PROOF_MAX_AGE_SECONDS, type DpopProof } from "../edge/dpop";

// One row per proof seen, keyed by key thumbprint + jti, kept until the proof is too old
// to be accepted anyway. The primary key is what makes the check atomic: of two instances
// that receive the same proof at once, exactly one insert succeeds.

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/** Records a proof's jti; false when it was seen before (a replay). */
export async function rememberProofJti(db: Db, proof: DpopProof, now = new Date()): Promise<boolean> {
  const lifetimeSeconds = DPOP_PROOF_MAX_AGE_SECONDS + 2 * getConfig().clockLeewaySeconds;
  const expiresAt = new Date((proof.iat + lifetimeSeconds) * 1000);
  const id = createHash("sha256").update(`${proof.jkt}:${proof.jti}`).digest("hex");
  try {
    await db.dpopProofJti.create({ data: { id, expiresAt } });
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
  // Expired rows are useless; sweeping on a small share of writes keeps the table at
  // about one proof lifetime of traffic without a scheduled job.
  if (Math.random() < 0.02) await db.dpopProofJti.deleteMany({ where: { expiresAt: { lt: now } } });
  return true;
}
