import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rotateRefreshToken } from "@/lib/auth/refresh";
import { revokeSession, startSession } from "@/lib/auth/session/lifecycle";
import { hashRefreshToken, type TokenPair } from "@/lib/auth/token-pair";
import { verifyAccessToken } from "@/lib/auth/edge/tokens";
import { createTestDatabase, type TestDatabase } from "../support/database";

const client = { ip: "127.0.0.1", userAgent: "vitest" };
const GRACE_MS = 10_000; // REFRESH_REUSE_GRACE_SECONDS default
const DAY = 86_400_000;

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

async function rotateOk(token: string, now: Date): Promise<TokenPair> {
  const result = await rotateRefreshToken(t.db, token, client, now);
  if (!result.ok) throw new Error(`rotation failed: ${result.error}`);
  return result.tokens;
}

describe("startSession", () => {
  it("stores a session and only the SHA-256 of its refresh token", async () => {
    const now = new Date();
    const tokens = await startSession(t.db, t.demoUserId, client, now);
    const session = await t.db.session.findUniqueOrThrow({
      where: { id: tokens.sessionId },
      include: { refreshTokens: true },
    });
    expect(session).toMatchObject({ userId: t.demoUserId, userAgent: "vitest", ip: "127.0.0.1", revokedAt: null });
    expect(session.absoluteExpiresAt.getTime()).toBe(now.getTime() + 30 * DAY);
    expect(session.idleExpiresAt.getTime()).toBe(now.getTime() + 7 * DAY);
    expect(session.refreshTokens).toHaveLength(1);
    expect(session.refreshTokens[0]!.tokenHash).toBe(hashRefreshToken(tokens.refreshToken));
    expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits

    // The raw token is in no column of any table...
    const everything = JSON.stringify(
      await Promise.all([
        t.db.user.findMany(),
        t.db.session.findMany(),
        t.db.refreshToken.findMany(),
        t.db.authEvent.findMany(),
        t.db.rateLimiterFlexible.findMany(),
      ]),
    );
    expect(everything).toContain(hashRefreshToken(tokens.refreshToken));
    expect(everything).not.toContain(tokens.refreshToken);
    // ...nor anywhere in a SQLite file's bytes (free pages, journal remnants).
    if (t.url.startsWith("file:")) {
      await t.db.$disconnect();
      const file = readFileSync(t.url.slice("file:".length));
      expect(file.includes(Buffer.from(tokens.refreshToken))).toBe(false);
      expect(file.includes(Buffer.from(hashRefreshToken(tokens.refreshToken)))).toBe(true);
    }
  });

  it("signs an access token for the new session", async () => {
    const tokens = await startSession(t.db, t.demoUserId, client);
    expect(await verifyAccessToken(tokens.accessToken)).toMatchObject({ sub: t.demoUserId, sid: tokens.sessionId });
  });
});

describe("rotateRefreshToken", () => {
  it("rotates R0 → R1 → R2, one successor each, and touches the session", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, at(t0, DAY));
    const r2 = await rotateOk(r1.refreshToken, at(t0, 2 * DAY));
    expect(new Set([r0.refreshToken, r1.refreshToken, r2.refreshToken]).size).toBe(3);
    const rows = await t.db.refreshToken.findMany({
      where: { sessionId: r0.sessionId },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => r.parentId)).toEqual([null, rows[0]!.id, rows[1]!.id]);
    expect(rows.map((r) => r.usedAt === null)).toEqual([false, false, true]);
    const session = await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } });
    expect(session.lastUsedAt).toEqual(at(t0, 2 * DAY));
    expect(session.idleExpiresAt).toEqual(at(t0, 9 * DAY));
  });

  it("answers the parent within the grace window with the current pair and revokes nothing", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, t0);
    const retry = await rotateRefreshToken(t.db, r0.refreshToken, client, at(t0, GRACE_MS - 1000));
    expect(retry).toMatchObject({ ok: true, kind: "grace" });
    expect(retry.ok && retry.tokens.refreshToken).toBe(r1.refreshToken);
    expect(await t.db.refreshToken.count()).toBe(2);
    expect((await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } })).revokedAt).toBeNull();
  });

  it("treats the parent after the grace window as theft: revokes the family and writes an audit event", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, t0);
    const replay = await rotateRefreshToken(t.db, r0.refreshToken, client, at(t0, GRACE_MS + 1000));
    expect(replay).toEqual({ ok: false, error: "refresh_token_reused" });
    // The newest token dies with the family.
    expect(await rotateRefreshToken(t.db, r1.refreshToken, client, at(t0, GRACE_MS + 2000))).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
    const session = await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } });
    expect(session.revokedReason).toBe("refresh_token_reused");
    expect(await t.db.authEvent.count({ where: { type: "refresh_token_reused", sessionId: r0.sessionId } })).toBe(1);
  });

  it("treats a grandparent as theft even inside the grace window", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, t0);
    await rotateOk(r1.refreshToken, t0);
    expect(await rotateRefreshToken(t.db, r0.refreshToken, client, at(t0, 1000))).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
  });

  it("lets exactly one of 50 concurrent rotations of one token create a successor", async () => {
    const r0 = await startSession(t.db, t.demoUserId, client);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => rotateRefreshToken(t.db, r0.refreshToken, client)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const kinds = results.map((r) => (r.ok ? r.kind : r.error));
    expect(kinds.filter((k) => k === "rotated")).toHaveLength(1);
    const current = new Set(results.map((r) => (r.ok ? r.tokens.refreshToken : "")));
    expect(current.size).toBe(1);
    expect(await t.db.refreshToken.count({ where: { parentId: { not: null } } })).toBe(1);
    expect((await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } })).revokedAt).toBeNull();
  });

  it("refuses sessions past their idle or absolute expiry, and never extends the absolute one", async () => {
    const t0 = new Date();
    const idle = await startSession(t.db, t.demoUserId, client, t0);
    expect(await rotateRefreshToken(t.db, idle.refreshToken, client, at(t0, 7 * DAY + 1))).toEqual({
      ok: false,
      error: "session_expired",
    });

    let pair = await startSession(t.db, t.demoUserId, client, t0);
    for (let day = 6; day < 30; day += 6) {
      pair = await rotateOk(pair.refreshToken, at(t0, day * DAY));
      expect(pair.refreshTokenExpiresAt.getTime()).toBeLessThanOrEqual(t0.getTime() + 30 * DAY);
    }
    expect(await rotateRefreshToken(t.db, pair.refreshToken, client, at(t0, 30 * DAY + 1))).toEqual({
      ok: false,
      error: "session_expired",
    });
  });

  it("refuses a revoked session", async () => {
    const r0 = await startSession(t.db, t.demoUserId, client);
    await revokeSession(t.db, r0.sessionId, "logout");
    expect(await rotateRefreshToken(t.db, r0.refreshToken, client)).toEqual({
      ok: false,
      error: "invalid_refresh_token",
    });
  });

  it("refuses garbage without writing anything", async () => {
    await startSession(t.db, t.demoUserId, client);
    for (const token of ["", "short", "x".repeat(43), "%%%", "a".repeat(5000)]) {
      expect(await rotateRefreshToken(t.db, token, client)).toEqual({ ok: false, error: "invalid_refresh_token" });
    }
    expect(await t.db.refreshToken.count()).toBe(1);
    expect(await t.db.authEvent.count()).toBe(0);
  });
});
