import "server-only";
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { getConfig } from "../config";
import { passwordPool } from "./password-pool";

export { PasswordPoolBusyError } from "./password-pool";

// bcrypt reads only the first 72 bytes of its input, so two long passwords sharing a
// 72-byte prefix would both verify. Every password is therefore pre-hashed: SHA-256 of
// its NFKC form (so the same characters typed on different keyboards match), base64
// (44 bytes, no NUL bytes, which bcrypt would also truncate at). Lengths are limited by
// the input rules in ./credentials, not by bcrypt.
function prehash(password: string): string {
  return createHash("sha256").update(password.normalize("NFKC")).digest("base64");
}

// Both run in the worker pool, off the request thread; both reject with
// PasswordPoolBusyError when its queue is full.
export async function hashPassword(password: string, cost: number = getConfig().bcryptCost): Promise<string> {
  return (await passwordPool().run({ op: "hash", input: prehash(password), arg: cost })) as string;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return (await passwordPool().run({ op: "verify", input: prehash(password), arg: hash })) as boolean;
}

/**
 * Was this hash made at another cost than the configured one? Such a hash answers at a
 * different speed than the dummy hash of unknown emails (which always has the current
 * cost), so it tells an attacker that the account exists; it is replaced on the next
 * successful sign-in, the only moment the password is known.
 */
export function needsRehash(hash: string): boolean {
  try {
    return bcrypt.getRounds(hash) !== getConfig().bcryptCost;
  } catch {
    // Not a bcrypt hash at all: replace it too.
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the user's hash, or against a dummy hash of the same cost when the
 * user does not exist, so an unknown email costs the same time as a wrong password.
 */
export async function verifyPasswordOrDummy(password: string, hash: string | undefined): Promise<boolean> {
  if (hash) return verifyPassword(password, hash);
  // Forgotten when it fails (a full queue), so the next call tries again.
  dummyHash ??= hashPassword("a dummy password that is never anyone's").catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(password, await dummyHash);
  return false;
}
