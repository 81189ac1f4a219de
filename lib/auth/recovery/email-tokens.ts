import "server-only";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "../secret-token";

// The single-use links sent by mail. 256 bits from the CSPRNG, base64url; only the
// SHA-256 is stored, so a database leak yields no working link.

export type EmailTokenPurpose = "password_reset" | "email_verification";

export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;

type Transaction = Parameters<Parameters<Db["$transaction"]>[0]>[0];
type TokenStore = Pick<Db, "emailToken">;

export async function issueEmailToken(
  db: TokenStore,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
  now = new Date(),
): Promise<string> {
  const token = newSecretToken();
  await db.emailToken.create({
    data: {
      tokenHash: hashSecretToken(token),
      userId,
      purpose,
      createdAt: now,
      expiresAt: addSeconds(now, ttlSeconds),
    },
  });
  return token;
}

/**
 * Spends a token: the user it belongs to, or null when it is unknown, of another
 * purpose, expired or already used. The conditional update is the claim, so two
 * concurrent uses of one link cannot both succeed.
 */
export async function claimEmailToken(
  tx: Transaction,
  presented: string,
  purpose: EmailTokenPurpose,
  now = new Date(),
): Promise<string | null> {
  if (!SECRET_TOKEN_PATTERN.test(presented)) return null;
  const tokenHash = hashSecretToken(presented);
  const claimed = await tx.emailToken.updateMany({
    where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) return null;
  const { userId } = await tx.emailToken.findUniqueOrThrow({ where: { tokenHash }, select: { userId: true } });
  // Whatever other links of this kind are still out there are spent with this one.
  await tx.emailToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: now } });
  return userId;
}

/** A link for the app's own pages; the token is moved out of the URL on arrival. */
export function emailLink(appOrigin: string, path: "/reset-password" | "/verify-email", token: string): string {
  const url = new URL(path, appOrigin);
  url.searchParams.set("token", token);
  return url.href;
}
