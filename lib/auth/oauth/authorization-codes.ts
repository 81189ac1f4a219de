import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { isForeignKeyViolation } from "../../db/errors";
import { AccountDisabledError } from "../account-status";
import { checkGrantBinding } from "../bindings";
import type { ClientInfo } from "../client-info";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "../secret-token";
import { grantAuthentication, serializeMethods, type Authentication } from "../edge/authentication";
import { REVOKE_REASON, revokeSession, startSession } from "../session/lifecycle";
import { type TokenPair } from "../token-pair";
import type { OAuthClient } from "./clients";

// Authorization codes (RFC 6749 §4.1) with PKCE (RFC 7636, S256 only): single use, at
// most 60 seconds old, stored as SHA-256 like refresh tokens.

export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
// RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// base64url(SHA-256(verifier)): always 43 characters.
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash("sha256").update(value).digest();

export type CodeRequest = {
  client: OAuthClient;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  /** The approving browser session's last authentication: the client's tokens carry it. */
  authentication: Authentication;
};

export async function createAuthorizationCode(db: Db, request: CodeRequest, now = new Date()): Promise<string> {
  const code = newSecretToken();
  await db.authorizationCode.create({
    data: {
      codeHash: hashSecretToken(code),
      clientId: request.client.id,
      userId: request.userId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      authenticatedAt: request.authentication.at,
      authMethods: serializeMethods(request.authentication.methods),
      createdAt: now,
      expiresAt: addSeconds(now, AUTHORIZATION_CODE_TTL_SECONDS),
    },
  });
  return code;
}

function verifierMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(sha256(verifier).toString("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

export type CodeExchange = {
  code: string;
  clientId: string;
  redirectUri: string | undefined;
  codeVerifier: string | undefined;
  dpopJkt: string | null;
};

export type CodeResult = { ok: true; tokens: TokenPair; scope: string } | { ok: false; description: string };

/** RFC 6749 §4.1.3 + RFC 7636 §4.6: the code for tokens. */
export async function redeemAuthorizationCode(
  db: Db,
  exchange: CodeExchange,
  client: ClientInfo,
  now = new Date(),
): Promise<CodeResult> {
  if (!SECRET_TOKEN_PATTERN.test(exchange.code))
    return { ok: false, description: "The authorization code is not valid." };
  const row = await db.authorizationCode.findUnique({ where: { codeHash: hashSecretToken(exchange.code) } });
  if (!row) return { ok: false, description: "The authorization code is not valid." };
  // Checked before the code is spent: a request from another client or with another
  // redirect URI did not come from whoever started the flow and must not burn the code.
  const binding = checkGrantBinding("authorization_code", row, exchange);
  if (!binding.ok) {
    return {
      ok: false,
      description:
        binding.failure === "wrong_client"
          ? "The authorization code was issued to another client."
          : "redirect_uri does not match the authorization request.",
    };
  }
  if (!exchange.codeVerifier || !CODE_VERIFIER.test(exchange.codeVerifier)) {
    return { ok: false, description: "code_verifier is missing or malformed (RFC 7636 §4.1)." };
  }
  if (!verifierMatches(exchange.codeVerifier, row.codeChallenge)) {
    return { ok: false, description: "code_verifier does not match the code_challenge." };
  }
  // Single use, decided by a conditional update so two concurrent redemptions cannot
  // both win. The loser is a replay: RFC 6749 §4.1.2 says to revoke what the code gave.
  const claimed = await db.authorizationCode.updateMany({
    where: { id: row.id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count === 0) {
    const spent = await db.authorizationCode.findUnique({ where: { id: row.id } });
    // Gone: its user was deleted since the read above (the code went with them).
    if (!spent) return { ok: false, description: "The authorization code is not valid." };
    if (spent.usedAt === null) return { ok: false, description: "The authorization code has expired." };
    // The winner may not have recorded its session yet. Each side writes first and reads
    // second, so at least one of them sees the other: this one the session, or the
    // winner the replayedAt mark (and then revokes its own session).
    await db.authorizationCode.update({ where: { id: row.id }, data: { replayedAt: now } });
    const { sessionId } = await db.authorizationCode.findUniqueOrThrow({ where: { id: row.id } });
    if (sessionId) await revokeSession(db, sessionId, REVOKE_REASON.reuse, now);
    return { ok: false, description: "The authorization code was already used; the tokens it gave are revoked." };
  }
  let tokens: TokenPair;
  try {
    tokens = await startSession(
      db,
      row.userId,
      client,
      now,
      { clientId: row.clientId, scope: row.scope, dpopJkt: exchange.dpopJkt },
      undefined,
      grantAuthentication(row),
    );
  } catch (error) {
    // The user was deleted between the claim and now: the code died with them.
    // Or its account was disabled since: no session for it.
    if (isForeignKeyViolation(error) || error instanceof AccountDisabledError) {
      return { ok: false, description: "The authorization code is not valid." };
    }
    throw error;
  }
  const recorded = await db.authorizationCode.update({ where: { id: row.id }, data: { sessionId: tokens.sessionId } });
  if (recorded.replayedAt) {
    await revokeSession(db, tokens.sessionId, REVOKE_REASON.reuse, now);
    return { ok: false, description: "The authorization code was used twice at once; the tokens it gave are revoked." };
  }
  return { ok: true, tokens, scope: row.scope };
}
