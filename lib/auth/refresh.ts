import "server-only";
import { createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { getAuthSecrets, getConfig } from "../config";
import type { Db } from "../db";
import { retryOnConflict } from "../db/retry";
import { recordAuthEvent, type ClientInfo } from "./audit";
import { signAccessToken } from "./edge/tokens";

// Design choice for the grace window (design.md, "Reuse"): only hashes are stored, yet a
// retried parent must be answered with the *current* token. Each successor is therefore
// derived from its parent with a server key, successor = HMAC(key, parent). Whoever
// presents the parent within the grace window can be given the successor again without
// the database ever holding a usable token, and only the first token of a session needs
// the CSPRNG. Without the server key a successor cannot be predicted from its parent.

export type RefreshFailure = "invalid_refresh_token" | "refresh_token_reused" | "session_expired";

/**
 * How a refresh token was used, recorded on its row for the session's rotation history:
 * the middleware's redirect of a page navigation, the fetch wrapper after a 401, the
 * dashboard ahead of expiry, the OAuth token endpoint, or a new pair issued without it
 * (password change). A grace hand-out is recorded separately (graceHandedOutAt).
 */
export const REFRESH_VIA = ["navigation", "in_page_401", "proactive", "token_api", "reissue"] as const;
export type RefreshVia = (typeof REFRESH_VIA)[number];

export type TokenPair = {
  userId: string;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
};

/** A refresh token just issued, before its access token is signed. */
type IssuedRefresh = Omit<TokenPair, "accessToken" | "accessTokenExpiresAt">;

export type RotationResult =
  { ok: true; kind: "rotated" | "grace"; tokens: TokenPair } | { ok: false; error: RefreshFailure };

export const REVOKE_REASON = {
  logout: "logout",
  reuse: "refresh_token_reused",
  user: "revoked_by_user",
  passwordChanged: "password_changed",
} as const;

// 32 random bytes, base64url without padding.
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

// Long enough for a queue of concurrent refreshes of one SQLite connection.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

let successorKeys: Buffer[] | undefined;

// One key per configured secret: the first derives new successors, all of them are
// tried when a parent is replayed, so rotating AUTH_SECRET does not break a retry.
function getSuccessorKeys(): Buffer[] {
  successorKeys ??= getAuthSecrets().map((secret) =>
    Buffer.from(hkdfSync("sha256", secret, "", "refresh-token-successor", 32)),
  );
  return successorKeys;
}

function deriveSuccessor(parent: string, key: Buffer): string {
  return createHmac("sha256", key).update(parent).digest("base64url");
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

async function withAccessToken(base: IssuedRefresh, now: Date): Promise<TokenPair> {
  const access = await signAccessToken({ userId: base.userId, sessionId: base.sessionId }, now);
  return { ...base, accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
}

/** Creates a session (one sign-in on one device) with its first refresh token. */
export async function startSession(db: Db, userId: string, client: ClientInfo, now = new Date()): Promise<TokenPair> {
  const config = getConfig();
  const absoluteExpiresAt = addSeconds(now, config.sessionMaxAgeSeconds);
  const idleExpiresAt = minDate(addSeconds(now, config.refreshIdleTtlSeconds), absoluteExpiresAt);
  const refreshToken = randomBytes(32).toString("base64url");
  const session = await db.session.create({
    data: {
      userId,
      userAgent: client.userAgent,
      clientName: client.clientName ?? null,
      ip: client.ip,
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt,
      absoluteExpiresAt,
      refreshTokens: {
        create: { tokenHash: hashRefreshToken(refreshToken), createdAt: now, expiresAt: idleExpiresAt },
      },
    },
  });
  return withAccessToken({ userId, sessionId: session.id, refreshToken, refreshTokenExpiresAt: idleExpiresAt }, now);
}

type Outcome = { ok: true; kind: "rotated" | "grace"; base: IssuedRefresh } | { ok: false; error: RefreshFailure };

type Transaction = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/**
 * Exchanges a refresh token for a new pair. Each token can be used once; its successor
 * belongs to the same session and never outlives the session's absolute expiry.
 */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  client: ClientInfo,
  now = new Date(),
  via: RefreshVia | null = null,
): Promise<RotationResult> {
  if (!REFRESH_TOKEN_PATTERN.test(presented)) return { ok: false, error: "invalid_refresh_token" };
  const outcome = await retryOnConflict(() =>
    db.$transaction((tx) => rotateInTransaction(tx, presented, client, now, via), TRANSACTION_OPTIONS),
  );
  if (!outcome.ok) return outcome;
  return { ok: true, kind: outcome.kind, tokens: await withAccessToken(outcome.base, now) };
}

async function rotateInTransaction(
  tx: Transaction,
  presented: string,
  client: ClientInfo,
  now: Date,
  via: RefreshVia | null,
): Promise<Outcome> {
  const config = getConfig();
  const token = await tx.refreshToken.findUnique({
    where: { tokenHash: hashRefreshToken(presented) },
    include: { session: true },
  });
  if (!token) return { ok: false, error: "invalid_refresh_token" };
  const { session } = token;

  if (session.revokedAt) {
    const error = session.revokedReason === REVOKE_REASON.reuse ? "refresh_token_reused" : "invalid_refresh_token";
    return { ok: false, error };
  }
  if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) {
    return { ok: false, error: "session_expired" };
  }

  if (token.usedAt === null) {
    // Claim the token with a conditional update: of two concurrent requests that both
    // read it unused, only one matches `usedAt IS NULL`; the other sees count 0 and is
    // handled below as a (grace) reuse instead of minting a second successor.
    const claimed = await tx.refreshToken.updateMany({
      where: { id: token.id, usedAt: null },
      data: { usedAt: now, usedVia: via },
    });
    if (claimed.count === 1) {
      const refreshToken = deriveSuccessor(presented, getSuccessorKeys()[0]!);
      const expiresAt = minDate(addSeconds(now, config.refreshIdleTtlSeconds), session.absoluteExpiresAt);
      await tx.refreshToken.create({
        data: {
          tokenHash: hashRefreshToken(refreshToken),
          sessionId: session.id,
          parentId: token.id,
          createdAt: now,
          expiresAt,
        },
      });
      await tx.session.update({ where: { id: session.id }, data: { lastUsedAt: now, idleExpiresAt: expiresAt } });
      return {
        ok: true,
        kind: "rotated",
        base: { userId: session.userId, sessionId: session.id, refreshToken, refreshTokenExpiresAt: expiresAt },
      };
    }
  }

  return handleUsedToken(tx, token.id, presented, client, now);
}

function withinGraceWindow(usedAt: Date | null, now: Date): boolean {
  return usedAt !== null && now.getTime() - usedAt.getTime() <= getConfig().refreshReuseGraceSeconds * 1000;
}

/**
 * A token that was already used is presented again. `presented` is null when the server
 * replays a row itself (the demo's "replay an old refresh token"): it holds only the
 * hash, so it cannot derive a successor, and the replay takes the theft path.
 */
async function handleUsedToken(
  tx: Transaction,
  tokenId: string,
  presented: string | null,
  client: ClientInfo,
  now: Date,
): Promise<Outcome> {
  // The token was rotated before (or just now, by the request that won the race: read
  // again after the claim, so its committed usedAt and successor are visible). The
  // immediate successor, if still current and within the grace window, is handed out
  // again: a retried or concurrent refresh, not theft.
  const { usedAt, successor, session } = await tx.refreshToken.findUniqueOrThrow({
    where: { id: tokenId },
    select: { usedAt: true, successor: true, session: true },
  });
  if (presented !== null && successor && successor.usedAt === null && withinGraceWindow(usedAt, now)) {
    for (const key of getSuccessorKeys()) {
      const refreshToken = deriveSuccessor(presented, key);
      if (hashRefreshToken(refreshToken) !== successor.tokenHash) continue;
      await tx.refreshToken.update({ where: { id: tokenId }, data: { graceHandedOutAt: now } });
      return {
        ok: true,
        kind: "grace",
        base: {
          userId: session.userId,
          sessionId: session.id,
          refreshToken,
          refreshTokenExpiresAt: successor.expiresAt,
        },
      };
    }
  }

  // Anything else is a replay of an old token: assume it was stolen and shut the whole
  // family down. This write is the transaction's result, not an exception, so it
  // commits even though the request fails.
  await tx.session.update({ where: { id: session.id }, data: { revokedAt: now, revokedReason: REVOKE_REASON.reuse } });
  await recordAuthEvent(tx, {
    type: "refresh_token_reused",
    userId: session.userId,
    sessionId: session.id,
    client,
    detail: `a refresh token rotated at ${usedAt?.toISOString()} was presented again; session revoked`,
    now,
  });
  return { ok: false, error: "refresh_token_reused" };
}

export type ReplayResult =
  { ok: true } | { ok: false; error: "no_previous_token" | "within_grace"; retryAfterSeconds?: number };

/**
 * The demo's "replay an old refresh token": takes this session's newest already-used
 * generation and sends it down the same reuse path a stolen token would take, so the
 * session is revoked as theft and the audit event is written. Refused inside the grace
 * window, where a real replay of that token would be accepted as a retry.
 */
export async function replayPreviousRefreshToken(
  db: Db,
  sessionId: string,
  client: ClientInfo,
  now = new Date(),
): Promise<ReplayResult> {
  return db.$transaction(async (tx): Promise<ReplayResult> => {
    const previous = await tx.refreshToken.findFirst({
      where: { sessionId, usedAt: { not: null } },
      orderBy: { usedAt: "desc" },
      select: { id: true, usedAt: true },
    });
    if (!previous) return { ok: false, error: "no_previous_token" };
    if (withinGraceWindow(previous.usedAt, now)) {
      const graceEndsAt = previous.usedAt!.getTime() + getConfig().refreshReuseGraceSeconds * 1000;
      return { ok: false, error: "within_grace", retryAfterSeconds: Math.ceil((graceEndsAt - now.getTime()) / 1000) };
    }
    await handleUsedToken(tx, previous.id, null, client, now);
    return { ok: true };
  }, TRANSACTION_OPTIONS);
}

/**
 * Gives a session a fresh refresh token and access token without the old refresh token
 * (which the caller may not have: the refresh cookie only travels to /api/auth). The
 * unused token is retired, so a later replay of it counts as theft.
 */
export async function reissueSessionTokens(db: Db, sessionId: string, now = new Date()): Promise<TokenPair> {
  const config = getConfig();
  const refreshToken = randomBytes(32).toString("base64url");
  const base = await db.$transaction(async (tx) => {
    const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId } });
    const expiresAt = minDate(addSeconds(now, config.refreshIdleTtlSeconds), session.absoluteExpiresAt);
    await tx.refreshToken.updateMany({ where: { sessionId, usedAt: null }, data: { usedAt: now, usedVia: "reissue" } });
    await tx.refreshToken.create({
      data: { tokenHash: hashRefreshToken(refreshToken), sessionId, createdAt: now, expiresAt },
    });
    await tx.session.update({ where: { id: sessionId }, data: { lastUsedAt: now, idleExpiresAt: expiresAt } });
    return { userId: session.userId, sessionId, refreshToken, refreshTokenExpiresAt: expiresAt };
  }, TRANSACTION_OPTIONS);
  return withAccessToken(base, now);
}

/** Revokes a session and with it every refresh token of its family. Idempotent. */
export async function revokeSession(db: Db, sessionId: string, reason: string, now = new Date()): Promise<boolean> {
  const result = await db.session.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: now, revokedReason: reason },
  });
  return result.count === 1;
}

/** The session a refresh token belongs to, for logout: no validity checks. */
export async function findSessionIdByRefreshToken(db: Db, presented: string): Promise<string | null> {
  if (!REFRESH_TOKEN_PATTERN.test(presented)) return null;
  const token = await db.refreshToken.findUnique({
    where: { tokenHash: hashRefreshToken(presented) },
    select: { sessionId: true },
  });
  return token?.sessionId ?? null;
}
