import "server-only";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { LINK_RULES, type LinkDoor, type LinkPurpose } from "../bindings";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "../secret-token";

// The single-use links sent by mail. 256 bits from the CSPRNG, base64url; only the
// SHA-256 is stored, so a database leak yields no working link.

export type EmailTokenPurpose = LinkPurpose;

export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;

type Transaction = Parameters<Parameters<Db["$transaction"]>[0]>[0];
type TokenStore = Pick<Db, "emailToken">;

export async function issueEmailToken(
  db: TokenStore,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
  now = new Date(),
  newEmail: string | null = null,
): Promise<string> {
  const token = newSecretToken();
  await db.emailToken.create({
    data: {
      tokenHash: hashSecretToken(token),
      userId,
      purpose,
      newEmail,
      createdAt: now,
      expiresAt: addSeconds(now, ttlSeconds),
    },
  });
  return token;
}

/**
 * Spends a token presented at `door`: the user it belongs to, or null when it is unknown,
 * of a purpose that door does not take (lib/auth/bindings.ts LINK_RULES), expired or
 * already used. The conditional update is the claim, so two concurrent uses of one link
 * cannot both succeed.
 */
export async function claimEmailToken(
  tx: Transaction,
  presented: string,
  door: LinkDoor,
  now = new Date(),
): Promise<string | null> {
  return (await claimEmailTokenRow(tx, presented, door, now))?.userId ?? null;
}

/** claimEmailToken, with what the link carries besides its user (an email change's new address). */
export async function claimEmailTokenRow(
  tx: Transaction,
  presented: string,
  door: LinkDoor,
  now = new Date(),
): Promise<{ userId: string; newEmail: string | null } | null> {
  if (!SECRET_TOKEN_PATTERN.test(presented)) return null;
  const { purpose } = LINK_RULES[door];
  const tokenHash = hashSecretToken(presented);
  const claimed = await tx.emailToken.updateMany({
    where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) return null;
  const row = await tx.emailToken.findUniqueOrThrow({
    where: { tokenHash },
    select: { userId: true, newEmail: true },
  });
  // Whatever other links of this kind are still out there are spent with this one.
  await spendEmailTokens(tx, row.userId, purpose, now);
  return row;
}

/** An unspent, unexpired link's row, read without claiming it (to show what it would do). */
export async function peekEmailToken(
  db: TokenStore,
  presented: string,
  door: LinkDoor,
  now = new Date(),
): Promise<{ userId: string; newEmail: string | null } | null> {
  if (!SECRET_TOKEN_PATTERN.test(presented)) return null;
  return db.emailToken.findFirst({
    where: {
      tokenHash: hashSecretToken(presented),
      purpose: LINK_RULES[door].purpose,
      usedAt: null,
      expiresAt: { gt: now },
    },
    select: { userId: true, newEmail: true },
  });
}

/**
 * Spends every outstanding link of one purpose of an account: a credential changed, and a
 * link mailed before the change must not undo it (issue 22, finding 6).
 */
export async function spendEmailTokens(
  db: TokenStore,
  userId: string,
  purpose: EmailTokenPurpose | "all",
  now = new Date(),
): Promise<number> {
  const { count } = await db.emailToken.updateMany({
    where: { userId, usedAt: null, ...(purpose === "all" ? {} : { purpose }) },
    data: { usedAt: now },
  });
  return count;
}

/** A link for the app's own pages; the token is moved out of the URL on arrival. */
export function emailLink(
  appOrigin: string,
  path: "/reset-password" | "/verify-email" | "/confirm-email-change",
  token: string,
): string {
  const url = new URL(path, appOrigin);
  url.searchParams.set("token", token);
  return url.href;
}
