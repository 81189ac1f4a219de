import "server-only";
import { createHash, randomBytes } from "node:crypto";

// The bearer secrets this server hands out (refresh tokens, authorization and device
// codes, mailed link tokens, DBSC challenges): 256 random bits, base64url without
// padding. Those that grant something are stored only as their SHA-256, so a copy of
// the database holds nothing usable.

export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSecretToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the database keeps of a secret token: its SHA-256, hex. */
export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
