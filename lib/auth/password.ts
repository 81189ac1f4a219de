import "server-only";
import bcrypt from "bcryptjs";
import { getConfig } from "../config";

export async function hashPassword(password: string, cost: number = getConfig().bcryptCost): Promise<string> {
  return bcrypt.hash(password, cost);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the user's hash, or against a dummy hash of the same cost when the
 * user does not exist, so an unknown email costs the same time as a wrong password.
 */
export async function verifyPasswordOrDummy(password: string, hash: string | undefined): Promise<boolean> {
  if (hash) return verifyPassword(password, hash);
  dummyHash ??= hashPassword("a dummy password that is never anyone's");
  await verifyPassword(password, await dummyHash);
  return false;
}
