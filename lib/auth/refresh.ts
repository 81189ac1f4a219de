import "server-only";
import { createHmac, hkdfSync, randomUUID } from "node:crypto";
import { getAuthSecrets, getConfig } from "../config";
import { addSeconds, earlier } from "../dates";
import type { Db } from "../db";
import { sqliteConnectionOf } from "../db/client";
import { sqliteTimestamp, type Prepare } from "../db/sqlite-connection";
import { retryOnConflict } from "../db/retry";
import { recordAuthEvent } from "./audit";
import {
  checkSessionBinding,
  hotPathColumns,
  type BindingFailure,
  type HotPathColumns,
  type Presented,
} from "./bindings";
import type { ClientInfo } from "./client-info";
import { REVOKE_REASON } from "./session/lifecycle";
import {
  authenticationOf,
  bindingOf,
  hashRefreshToken,
  issueTokenPair,
  newRefreshToken,
  REFRESH_TOKEN_PATTERN,
  type IssuedRefresh,
  type SessionBinding,
  type TokenPair,
} from "./token-pair";

// Design choice for the grace window (docs/rotation.md,
// docs/decisions/0002-derived-successors.md): only hashes are stored, yet a retried
// parent must be answered with the *current* token. Each successor is therefore derived
// from its parent with a server key, successor = HMAC(key, parent). Whoever presents the
// parent within the grace window can be given the successor again without the database
// ever holding a usable token, and only the first token of a session needs the CSPRNG.
// Without the server key a successor cannot be predicted from its parent.

export type RefreshFailure =
  | "invalid_refresh_token"
  | "refresh_token_reused"
  | "session_expired"
  // What the door refused (lib/auth/bindings.ts); the refresh doors never see the DBSC doors' own failures.
  | Exclude<BindingFailure, "not_device_bound" | "already_bound">;

/**
 * The door a refresh token came through, with what the request proved (client_id, DPoP
 * key, scope). Every binding is judged by lib/auth/bindings.ts, on the hot path and the
 * slow path alike.
 */
export type RefreshDoor = { door: "cookie_refresh" | "token_refresh"; presented?: Presented };

export const COOKIE_REFRESH: RefreshDoor = { door: "cookie_refresh" };

/**
 * How a refresh token was used, recorded on its row for the session's rotation history:
 * the middleware's redirect of a page navigation, the fetch wrapper after a 401, the
 * dashboard ahead of expiry, the OAuth token endpoint, or a new pair issued without it
 * (password change). A grace hand-out is recorded separately (graceHandedOutAt).
 */
export const REFRESH_VIA = ["navigation", "in_page_401", "proactive", "token_api", "reissue"] as const;
export type RefreshVia = (typeof REFRESH_VIA)[number];

export type RotationResult =
  { ok: true; kind: "rotated" | "grace"; tokens: TokenPair } | { ok: false; error: RefreshFailure };

// Long enough for a queue of concurrent refreshes of one SQLite connection.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

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

// The successor that reissueSessionTokens gives a token it retires. The reissue happens
// where the refresh cookie is not sent (it is scoped to /api/auth), so it only knows the
// parent's hash; deriving from the hash keeps "whoever presents the parent within the
// grace window gets the current token" true for it too. A distinct label keeps the two
// derivations apart.
function deriveReissued(parentHash: string, key: Buffer): string {
  return createHmac("sha256", key).update(`reissue:${parentHash}`).digest("base64url");
}

/** Every token the grace window may hand to the holder of `parent`, newest key first. */
function successorCandidates(parent: string): string[] {
  const parentHash = hashRefreshToken(parent);
  return getSuccessorKeys().flatMap((key) => [deriveSuccessor(parent, key), deriveReissued(parentHash, key)]);
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
  door: RefreshDoor = COOKIE_REFRESH,
): Promise<RotationResult> {
  if (!REFRESH_TOKEN_PATTERN.test(presented)) return { ok: false, error: "invalid_refresh_token" };
  const columns = hotPathColumns(door.door, door.presented ?? {});
  const rotated = columns && (await retryOnConflict(() => rotateCurrentToken(db, presented, now, via, columns)));
  if (rotated) return { ok: true, kind: "rotated", tokens: await issueTokenPair(rotated, now) };
  const outcome = await retryOnConflict(() =>
    db.$transaction((tx) => rotateInTransaction(tx, presented, client, now, via, door), TRANSACTION_OPTIONS),
  );
  if (!outcome.ok) return outcome;
  return { ok: true, kind: outcome.kind, tokens: await issueTokenPair(outcome.base, now) };
}

type HotRow = SessionBinding & {
  userId: string;
  sessionId: string;
  expiresAt: Date | string;
  authenticatedAt: Date | string;
  authMethods: string;
};

/** What the hot path writes: the claim of `tokenHash` and its successor's row. */
type Claim = {
  tokenHash: string;
  successorHash: string;
  successorId: string;
  now: Date;
  idleEnd: Date;
  via: RefreshVia | null;
  /** The binding columns the session must have exactly (bindings.ts hotPathColumns). */
  columns: HotPathColumns;
};

/**
 * The hot path: the presented token is current and its session valid. Claiming it,
 * inserting its successor and touching the session cost one statement on PostgreSQL
 * (data-modifying CTEs) and one synchronous transaction on SQLite's connection,
 * instead of an interactive transaction of six Prisma queries. The claim is
 * conditional (`usedAt IS NULL` plus the session checks in the same statement), so of
 * two concurrent requests only one inserts, and a token that is not current (or whose
 * session is device-bound) changes nothing here: null sends it to rotateInTransaction,
 * which tells grace, reuse, expiry and binding apart.
 */
async function rotateCurrentToken(
  db: Db,
  presented: string,
  now: Date,
  via: RefreshVia | null,
  columns: HotPathColumns,
): Promise<IssuedRefresh | null> {
  const refreshToken = deriveSuccessor(presented, getSuccessorKeys()[0]!);
  const claim: Claim = {
    tokenHash: hashRefreshToken(presented),
    successorHash: hashRefreshToken(refreshToken),
    successorId: randomUUID(),
    now,
    idleEnd: addSeconds(now, getConfig().refreshIdleTtlSeconds),
    via,
    columns,
  };
  const sqlite = sqliteConnectionOf(db);
  const row = sqlite
    ? await sqlite.transaction((prepare) => rotateOnSqlite(prepare, claim))
    : await rotateOnPostgres(db, claim);
  if (!row) return null;
  return {
    userId: row.userId,
    sessionId: row.sessionId,
    refreshToken,
    refreshTokenExpiresAt: new Date(row.expiresAt),
    binding: bindingOf(row),
    authentication: authenticationOf(row),
  };
}

async function rotateOnPostgres(db: Db, c: Claim): Promise<HotRow | undefined> {
  const rows = await db.$queryRaw<HotRow[]>`
    WITH claimed AS (
      UPDATE "RefreshToken" AS t SET "usedAt" = ${c.now}::timestamp(3), "usedVia" = ${c.via}
      FROM "Session" AS s
      WHERE t."tokenHash" = ${c.tokenHash} AND t."usedAt" IS NULL AND s."id" = t."sessionId"
        AND s."revokedAt" IS NULL AND s."idleExpiresAt" > ${c.now}::timestamp(3)
        AND s."absoluteExpiresAt" > ${c.now}::timestamp(3) AND s."dbscThumbprint" IS NULL
        AND s."channel" = ${c.columns.channel} AND s."clientId" IS NOT DISTINCT FROM ${c.columns.clientId}::text
        AND s."dpopJkt" IS NOT DISTINCT FROM ${c.columns.dpopJkt}::text
      RETURNING t."id", t."sessionId", s."userId", s."clientId", s."scope", s."dpopJkt",
        s."authenticatedAt", s."authMethods",
        LEAST(${c.idleEnd}::timestamp(3), s."absoluteExpiresAt") AS "expiresAt"
    ), successor AS (
      INSERT INTO "RefreshToken" ("id", "tokenHash", "sessionId", "parentId", "createdAt", "expiresAt")
      SELECT ${c.successorId}, ${c.successorHash}, "sessionId", "id", ${c.now}::timestamp(3), "expiresAt" FROM claimed
      RETURNING "sessionId", "expiresAt"
    ), touched AS (
      UPDATE "Session" AS s SET "lastUsedAt" = ${c.now}::timestamp(3), "idleExpiresAt" = successor."expiresAt"
      FROM successor WHERE s."id" = successor."sessionId"
      RETURNING s."id"
    )
    SELECT claimed."sessionId", claimed."userId", claimed."clientId", claimed."scope", claimed."dpopJkt",
      claimed."authenticatedAt", claimed."authMethods", claimed."expiresAt" FROM claimed`;
  return rows[0];
}

// Runs inside one SQLite transaction with nothing interleaved (lib/db/sqlite-connection),
// so the claim, the session's touch and the insert see each other in order.
function rotateOnSqlite(prepare: Prepare, c: Claim): HotRow | undefined {
  const at = sqliteTimestamp(c.now);
  const claimed = prepare(
    `UPDATE "RefreshToken" SET "usedAt" = ?, "usedVia" = ?
     WHERE "tokenHash" = ? AND "usedAt" IS NULL AND "sessionId" IN (
       SELECT "id" FROM "Session"
       WHERE "revokedAt" IS NULL AND "idleExpiresAt" > ? AND "absoluteExpiresAt" > ? AND "dbscThumbprint" IS NULL
         AND "channel" = ? AND "clientId" IS ? AND "dpopJkt" IS ?)
     RETURNING "id", "sessionId"`,
  ).get(at, c.via, c.tokenHash, at, at, c.columns.channel, c.columns.clientId, c.columns.dpopJkt) as
    { id: string; sessionId: string } | undefined;
  if (!claimed) return undefined;
  const session = prepare(
    `UPDATE "Session" SET "lastUsedAt" = ?, "idleExpiresAt" = MIN(?, "absoluteExpiresAt") WHERE "id" = ?
     RETURNING "userId", "clientId", "scope", "dpopJkt", "authenticatedAt", "authMethods",
       "idleExpiresAt" AS "expiresAt"`,
  ).get(at, sqliteTimestamp(c.idleEnd), claimed.sessionId) as Omit<HotRow, "sessionId">;
  prepare(
    `INSERT INTO "RefreshToken" ("id", "tokenHash", "sessionId", "parentId", "createdAt", "expiresAt")
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(c.successorId, c.successorHash, claimed.sessionId, claimed.id, at, session.expiresAt);
  return { sessionId: claimed.sessionId, ...session };
}

async function rotateInTransaction(
  tx: Transaction,
  presented: string,
  client: ClientInfo,
  now: Date,
  via: RefreshVia | null,
  door: RefreshDoor,
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
  // A spent token is theft whatever binding the session gained since it was spent (a
  // device key, a DPoP key): the reuse verdict comes before the door's binding check,
  // or a thief who bound the session first would turn the owner's replay into a mere
  // refusal and keep the session (review finding 3).
  if (token.usedAt !== null) return handleUsedToken(tx, token.id, presented, client, now, door);

  // The current token at a door that may not take it (another channel, client or key, a
  // device-bound session): refused, and nothing is spent, so the holder keeps it.
  const decision = checkSessionBinding(door.door, session, door.presented);
  if (!decision.ok) return { ok: false, error: decision.failure as RefreshFailure };
  // Claim the token with a conditional update: of two concurrent requests that both
  // read it unused, only one matches `usedAt IS NULL`; the other sees count 0 and is
  // handled below as a (grace) reuse instead of minting a second successor.
  const claimed = await tx.refreshToken.updateMany({
    where: { id: token.id, usedAt: null },
    data: { usedAt: now, usedVia: via },
  });
  if (claimed.count === 1) {
    const refreshToken = deriveSuccessor(presented, getSuccessorKeys()[0]!);
    const expiresAt = earlier(addSeconds(now, config.refreshIdleTtlSeconds), session.absoluteExpiresAt);
    await tx.refreshToken.create({
      data: {
        tokenHash: hashRefreshToken(refreshToken),
        sessionId: session.id,
        parentId: token.id,
        createdAt: now,
        expiresAt,
      },
    });
    // RFC 9449 §5: from the first refresh with a proof on, the session is bound to that key.
    const dpopJkt = decision.bindDpopKey ?? session.dpopJkt;
    await tx.session.update({
      where: { id: session.id },
      data: { lastUsedAt: now, idleExpiresAt: expiresAt, dpopJkt },
    });
    return {
      ok: true,
      kind: "rotated",
      base: {
        userId: session.userId,
        sessionId: session.id,
        refreshToken,
        refreshTokenExpiresAt: expiresAt,
        binding: bindingOf({ ...session, dpopJkt }),
        authentication: authenticationOf(session),
      },
    };
  }

  return handleUsedToken(tx, token.id, presented, client, now, door);
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
  door: RefreshDoor | null,
): Promise<Outcome> {
  // The token was rotated before (or just now, by the request that won the race: read
  // again after the claim, so its committed usedAt and successor are visible). The
  // immediate successor, if still current and within the grace window, is handed out
  // again: a retried or concurrent refresh, not theft.
  const { usedAt, successor, session } = await tx.refreshToken.findUniqueOrThrow({
    where: { id: tokenId },
    select: { usedAt: true, successor: true, session: true },
  });
  // Bound to the same client: a concurrent or retried refresh comes from the client that
  // signed in (same User-Agent) within seconds; the parent presented by another client in
  // that window means two clients hold one token, and one of them is a thief. This binds
  // only the grace hand-out (a User-Agent is no secret, so it is no proof of identity);
  // ordinary rotation is not bound, so a browser update does not sign anyone out.
  const sameClient = session.userAgent === client.userAgent;
  // And at a door that accepts the session: the parent presented elsewhere (as a cookie,
  // for another client, without the DPoP key) within the window is a second holder.
  const sameBinding = door !== null && checkSessionBinding(door.door, session, door.presented).ok;
  const retry = presented !== null && successor?.usedAt === null && withinGraceWindow(usedAt, now);
  if (retry && successor && sameClient && sameBinding) {
    for (const refreshToken of successorCandidates(presented)) {
      if (hashRefreshToken(refreshToken) !== successor.tokenHash) continue;
      // The hand-out gives a usable pair to whoever presented the parent: recorded, like
      // the theft verdict, so that a grace hand-out to someone else can be traced (and
      // shown in the session's rotation history).
      await tx.refreshToken.update({ where: { id: tokenId }, data: { graceHandedOutAt: now } });
      await recordAuthEvent(tx, {
        type: "refresh_token_grace",
        userId: session.userId,
        sessionId: session.id,
        client,
        detail: `the parent of the current refresh token (rotated at ${usedAt!.toISOString()}) was presented again within the grace window; the current token was handed out again`,
        now,
      });
      return {
        ok: true,
        kind: "grace",
        base: {
          userId: session.userId,
          sessionId: session.id,
          refreshToken,
          refreshTokenExpiresAt: successor.expiresAt,
          binding: bindingOf(session),
          authentication: authenticationOf(session),
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
    await handleUsedToken(tx, previous.id, null, client, now, null);
    return { ok: true };
  }, TRANSACTION_OPTIONS);
}

/**
 * Gives a session a fresh refresh token and access token without the old refresh token
 * (which the caller may not have: the refresh cookie only travels to /api/auth).
 *
 * The current token is retired by becoming the parent of the new one, exactly as in a
 * rotation, with a successor derived from its hash (deriveReissued): a refresh in flight
 * with the old token (another tab, a token-API client's retry) is then a grace-window
 * retry and receives the new token, instead of a theft verdict that would revoke the
 * session the caller just secured. Later than the grace window, a replay is theft as
 * usual.
 */
export async function reissueSessionTokens(db: Db, sessionId: string, now = new Date()): Promise<TokenPair> {
  const config = getConfig();
  const reissue = () =>
    db.$transaction(async (tx): Promise<IssuedRefresh | null> => {
      const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId } });
      const expiresAt = earlier(addSeconds(now, config.refreshIdleTtlSeconds), session.absoluteExpiresAt);
      const current = await tx.refreshToken.findFirst({
        where: { sessionId, usedAt: null },
        orderBy: { createdAt: "desc" },
      });
      // Claimed like a rotation claims it: a concurrent rotation of the same token leaves
      // count 0 here, and the reissue starts again from the token that rotation created.
      const claimed = current
        ? await tx.refreshToken.updateMany({
            where: { id: current.id, usedAt: null },
            data: { usedAt: now, usedVia: "reissue" },
          })
        : { count: 0 };
      if (current && claimed.count !== 1) return null;
      // Anything else unused (there should be nothing) is retired without a successor.
      await tx.refreshToken.updateMany({
        where: { sessionId, usedAt: null },
        data: { usedAt: now, usedVia: "reissue" },
      });
      const refreshToken = current ? deriveReissued(current.tokenHash, getSuccessorKeys()[0]!) : newRefreshToken();
      await tx.refreshToken.create({
        data: {
          tokenHash: hashRefreshToken(refreshToken),
          sessionId,
          parentId: current?.id ?? null,
          createdAt: now,
          expiresAt,
        },
      });
      await tx.session.update({ where: { id: sessionId }, data: { lastUsedAt: now, idleExpiresAt: expiresAt } });
      return {
        userId: session.userId,
        sessionId,
        refreshToken,
        refreshTokenExpiresAt: expiresAt,
        binding: bindingOf(session),
        authentication: authenticationOf(session),
      };
    }, TRANSACTION_OPTIONS);
  for (let attempt = 1; ; attempt++) {
    const base = await retryOnConflict(reissue);
    if (base) return issueTokenPair(base, now);
    if (attempt >= 4) throw new Error("could not reissue the session's tokens: its refresh token kept rotating");
  }
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
