import "server-only";
import { createHash, randomInt } from "node:crypto";
import type { Db } from "../../db";

// Recovery codes: ten one-time codes for when the authenticator is lost. Shown once; only
// their SHA-256 is stored (50 random bits each: with the password throttle in front,
// guessing one is out of reach, and a slow hash would buy nothing); each is spent with a
// conditional update, so one code signs in once, on any instance.

export const RECOVERY_CODE_COUNT = 10;
// No 0/O, 1/I/L: codes are read off paper and typed back.
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const GROUP = 5;

/** Lower case, without spaces or dashes: how a code is compared. */
export const normalizeRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, "");

export const RECOVERY_CODE_PATTERN = /^[2-9a-z]{10}$/;

const hashCode = (code: string): string => createHash("sha256").update(normalizeRecoveryCode(code)).digest("hex");

function newRecoveryCode(): string {
  const chars = Array.from({ length: GROUP * 2 }, () => ALPHABET[randomInt(ALPHABET.length)]!).join("");
  return `${chars.slice(0, GROUP)}-${chars.slice(GROUP)}`;
}

/** Replaces every recovery code of the user with ten new ones, returned in clear once. */
export async function regenerateRecoveryCodes(db: Db, userId: string, now = new Date()): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.$transaction([
    db.recoveryCode.deleteMany({ where: { userId } }),
    db.recoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: hashCode(code), createdAt: now })) }),
  ]);
  return codes;
}

/** Spends one code; false when it is unknown, used, or not this user's. */
export async function consumeRecoveryCode(db: Db, userId: string, code: string, now = new Date()): Promise<boolean> {
  if (!RECOVERY_CODE_PATTERN.test(normalizeRecoveryCode(code))) return false;
  const spent = await db.recoveryCode.updateMany({
    where: { userId, codeHash: hashCode(code), usedAt: null },
    data: { usedAt: now },
  });
  return spent.count === 1;
}

export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  return db.recoveryCode.count({ where: { userId, usedAt: null } });
}
