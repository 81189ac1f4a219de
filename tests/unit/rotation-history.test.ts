import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REFRESH_VIA, reissueSessionTokens, replayPreviousRefreshToken, rotateRefreshToken } from "@/lib/auth/refresh";
import { startSession } from "@/lib/auth/session/lifecycle";
import { type TokenPair } from "@/lib/auth/token-pair";
import { sessionTimeline } from "@/lib/auth/session/timeline";
import { createTestDatabase, type TestDatabase } from "../support/database";

const client = { ip: "127.0.0.1", userAgent: "vitest" };
const GRACE_MS = 10_000; // REFRESH_REUSE_GRACE_SECONDS default
const MINUTE = 60_000;

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

async function rotateOk(token: string, now: Date, via: (typeof REFRESH_VIA)[number] | null): Promise<TokenPair> {
  const result = await rotateRefreshToken(t.db, token, client, now, via);
  if (!result.ok) throw new Error(`rotation failed: ${result.error}`);
  return result.tokens;
}

describe("rotation history", () => {
  it("records how each generation was used, for every way of using one", async () => {
    const t0 = new Date();
    let pair = await startSession(t.db, t.demoUserId, client, t0);
    for (const [i, via] of REFRESH_VIA.filter((v) => v !== "reissue").entries()) {
      pair = await rotateOk(pair.refreshToken, at(t0, (i + 1) * MINUTE), via);
    }
    await reissueSessionTokens(t.db, pair.sessionId, at(t0, 10 * MINUTE));
    const timeline = await sessionTimeline(t.db, pair.sessionId);
    const oldestFirst = [...timeline!.generations].reverse();
    expect(oldestFirst.map((g) => g.usedVia)).toEqual([...REFRESH_VIA, null]);
    expect(oldestFirst.map((g) => g.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(oldestFirst.map((g) => g.current)).toEqual([false, false, false, false, false, true]);
  });

  it("marks a grace hand-out on the parent that was presented again", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    await rotateOk(r0.refreshToken, t0, "in_page_401");
    const retried = await rotateRefreshToken(t.db, r0.refreshToken, client, at(t0, 2000), "in_page_401");
    expect(retried).toMatchObject({ ok: true, kind: "grace" });
    const [, parent] = (await sessionTimeline(t.db, r0.sessionId))!.generations;
    expect(parent).toMatchObject({ number: 1, usedVia: "in_page_401", graceHandedOutAt: at(t0, 2000).toISOString() });
  });

  it("never shows a token or a hash: labels come from row ids", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, at(t0, MINUTE), "proactive");
    const text = JSON.stringify(await sessionTimeline(t.db, r0.sessionId));
    const rows = await t.db.refreshToken.findMany({ where: { sessionId: r0.sessionId } });
    for (const secret of [r0.refreshToken, r1.refreshToken, ...rows.map((r) => r.tokenHash)]) {
      // Any 8-character window of a secret would be a usable fragment; none may appear.
      for (let i = 0; i + 8 <= secret.length; i += 4) expect(text).not.toContain(secret.slice(i, i + 8));
    }
  });
});

describe("replayPreviousRefreshToken", () => {
  it("revokes the session as theft through the reuse path, with an audit event", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    const r1 = await rotateOk(r0.refreshToken, at(t0, MINUTE), "proactive");
    expect(await replayPreviousRefreshToken(t.db, r0.sessionId, client, at(t0, 2 * MINUTE))).toEqual({ ok: true });
    const session = await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } });
    expect(session).toMatchObject({ revokedReason: "refresh_token_reused" });
    expect(await t.db.authEvent.count({ where: { sessionId: r0.sessionId, type: "refresh_token_reused" } })).toBe(1);
    // The current token is dead too, and says why.
    expect(await rotateRefreshToken(t.db, r1.refreshToken, client, at(t0, 3 * MINUTE))).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
  });

  it("refuses inside the grace window, where a real replay would count as a retry", async () => {
    const t0 = new Date();
    const r0 = await startSession(t.db, t.demoUserId, client, t0);
    await rotateOk(r0.refreshToken, t0, "proactive");
    expect(await replayPreviousRefreshToken(t.db, r0.sessionId, client, at(t0, GRACE_MS - 3000))).toEqual({
      ok: false,
      error: "within_grace",
      retryAfterSeconds: 3,
    });
    expect((await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } })).revokedAt).toBeNull();
  });

  it("refuses a session that never rotated", async () => {
    const r0 = await startSession(t.db, t.demoUserId, client);
    expect(await replayPreviousRefreshToken(t.db, r0.sessionId, client)).toEqual({
      ok: false,
      error: "no_previous_token",
    });
    expect((await t.db.session.findUniqueOrThrow({ where: { id: r0.sessionId } })).revokedAt).toBeNull();
  });
});
