// pruneExpired against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
// every table with expiring rows loses its dead rows and keeps every live one, and what
// is kept for a reason (spent refresh tokens, spent authorization codes) still does its
// job after a prune.
import { createHash } from "node:crypto";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { consumeChallenge, DBSC_CHALLENGE_TTL_SECONDS, issueChallenge } from "@/lib/auth/dbsc/challenges";
import { createAuthorizationCode, redeemAuthorizationCode } from "@/lib/auth/oauth/authorization-codes";
import { DEMO_CLI_CLIENT } from "@/lib/auth/oauth/clients";
import { pollDeviceAuthorization, startDeviceAuthorization } from "@/lib/auth/oauth/device-codes";
import {
  consumeWebauthnChallenge,
  issueWebauthnChallenge,
  WEBAUTHN_CHALLENGE_TTL_SECONDS,
} from "@/lib/auth/passkeys/challenges";
import { PRUNE_MARGIN_SECONDS, pruneExpired, type PruneResult } from "@/lib/auth/prune";
import { rotateRefreshToken } from "@/lib/auth/refresh";
import { REVOKE_REASON, revokeSession, startSession } from "@/lib/auth/session/lifecycle";
import type { TokenPair } from "@/lib/auth/token-pair";
import { ADVISORY_LOCK, runExclusively } from "@/lib/ops/exclusive";
import { MAILBOX_SIZE } from "@/lib/mail/dev-mailbox";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/database";

const client = { ip: "127.0.0.1", userAgent: "vitest" };
const SECOND = 1000;
const DAY = 86_400 * SECOND;
const MARGIN = PRUNE_MARGIN_SECONDS * SECOND;
const AUDIT_RETENTION = 90 * DAY; // AUDIT_RETENTION_DAYS default

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

const now = new Date();
const ago = (ms: number) => new Date(now.getTime() - ms);
const ahead = (ms: number) => new Date(now.getTime() + ms);

async function rotateOk(token: string, at: Date): Promise<TokenPair> {
  const result = await rotateRefreshToken(t.db, token, client, at);
  if (!result.ok) throw new Error(`rotation failed: ${result.error}`);
  return result.tokens;
}

async function counts(): Promise<Omit<PruneResult, "dbscChallenges"> & { dbscChallenges: number }> {
  const db = t.db;
  const [sessions, refreshTokens, dbscChallenges, authorizationCodes, deviceAuthorizations] = await Promise.all([
    db.session.count(),
    db.refreshToken.count(),
    db.dbscChallenge.count(),
    db.authorizationCode.count(),
    db.deviceAuthorization.count(),
  ]);
  const [dpopProofJtis, emailTokens, devMails, knownDevices, rateLimits, authEvents, webauthnChallenges] =
    await Promise.all([
      db.dpopProofJti.count(),
      db.emailToken.count(),
      db.devMail.count(),
      db.knownDevice.count(),
      db.rateLimiterFlexible.count(),
      db.authEvent.count(),
      db.webauthnChallenge.count(),
    ]);
  return {
    sessions,
    refreshTokens,
    dbscChallenges,
    webauthnChallenges,
    authorizationCodes,
    deviceAuthorizations,
    dpopProofJtis,
    emailTokens,
    devMails,
    knownDevices,
    rateLimits,
    authEvents,
  };
}

/** A session whose idle expiry passed `pastBy` ago (it was started 7 days earlier). */
async function endedSession(pastBy: number): Promise<TokenPair> {
  return startSession(t.db, t.demoUserId, client, ago(7 * DAY + pastBy));
}

async function codeRow(expiresAt: Date, extra: { usedAt?: Date; sessionId?: string } = {}) {
  return t.db.authorizationCode.create({
    data: {
      codeHash: `hash-${Math.random()}`,
      clientId: DEMO_CLI_CLIENT.id,
      userId: t.demoUserId,
      redirectUri: "http://127.0.0.1:1/cb",
      codeChallenge: "x".repeat(43),
      scope: "account",
      createdAt: ago(DAY),
      expiresAt,
      ...extra,
    },
  });
}

describe("pruneExpired", () => {
  it("deletes the dead rows of every table and keeps every live one", async () => {
    // Sessions: live; idle-expired within the margin; idle-expired beyond it; past the
    // absolute expiry; revoked but not yet expired; revoked and expired.
    const live = await startSession(t.db, t.demoUserId, client, ago(DAY));
    const justExpired = await endedSession(MARGIN / 2);
    const idleEnded = await endedSession(MARGIN + SECOND);
    let absoluteEnded = await startSession(t.db, t.demoUserId, client, ago(31 * DAY));
    for (let day = 30; day >= 2; day -= 4) absoluteEnded = await rotateOk(absoluteEnded.refreshToken, ago(day * DAY));
    const revokedLive = await startSession(t.db, t.demoUserId, client, ago(DAY));
    await revokeSession(t.db, revokedLive.sessionId, REVOKE_REASON.logout, ago(DAY / 2));
    const revokedEnded = await endedSession(MARGIN + SECOND);
    await revokeSession(t.db, revokedEnded.sessionId, REVOKE_REASON.logout, ago(7 * DAY));
    const deadSessionIds = [idleEnded.sessionId, absoluteEnded.sessionId, revokedEnded.sessionId];
    const liveSessionIds = [live.sessionId, justExpired.sessionId, revokedLive.sessionId];

    // DBSC challenges: live, expired, and one of a dead session that has not expired yet.
    const liveChallenge = await issueChallenge(t.db, live.sessionId, now);
    await issueChallenge(t.db, live.sessionId, ago(DBSC_CHALLENGE_TTL_SECONDS * SECOND + 1));
    await issueChallenge(t.db, idleEnded.sessionId, now);
    // WebAuthn challenges: a live sign-in one, an expired one.
    const livePasskeyChallenge = await issueWebauthnChallenge(t.db, "authentication", null, now);
    await issueWebauthnChallenge(t.db, "authentication", null, ago(WEBAUTHN_CHALLENGE_TTL_SECONDS * SECOND + 1));

    // Authorization codes: unexpired; unused and expired within / beyond the margin;
    // used, with a live session / an ended one / none recorded.
    await codeRow(ahead(30 * SECOND));
    await codeRow(ago(MARGIN / 2));
    await codeRow(ago(MARGIN + SECOND));
    await codeRow(ago(MARGIN + SECOND), { usedAt: ago(DAY), sessionId: live.sessionId });
    await codeRow(ago(MARGIN + SECOND), { usedAt: ago(DAY), sessionId: idleEnded.sessionId });
    await codeRow(ago(MARGIN + SECOND), { usedAt: ago(DAY) });

    // Device authorizations: live; expired within / beyond the margin.
    await startDeviceAuthorization(t.db, DEMO_CLI_CLIENT, "account", client, now);
    await startDeviceAuthorization(t.db, DEMO_CLI_CLIENT, "account", client, ago(600 * SECOND + MARGIN / 2));
    await startDeviceAuthorization(t.db, DEMO_CLI_CLIENT, "account", client, ago(600 * SECOND + MARGIN + SECOND));

    // DPoP jtis, mailed links, rate-limit windows: one live, one expired each.
    await t.db.dpopProofJti.createMany({
      data: [
        { id: "live", expiresAt: ahead(SECOND) },
        { id: "dead", expiresAt: ago(SECOND) },
      ],
    });
    await t.db.emailToken.createMany({
      data: [
        { tokenHash: "live", userId: t.demoUserId, purpose: "password_reset", expiresAt: ahead(SECOND) },
        { tokenHash: "dead", userId: t.demoUserId, purpose: "password_reset", expiresAt: ago(SECOND) },
      ],
    });
    await t.db.rateLimiterFlexible.createMany({
      data: [
        { key: "login-ip:live", points: 3, expire: ahead(SECOND) },
        { key: "login-ip:dead", points: 3, expire: ago(SECOND) },
      ],
    });

    // Dev mails: five more than the mailbox shows, the oldest first.
    await t.db.devMail.createMany({
      data: Array.from({ length: MAILBOX_SIZE + 5 }, (_, i) => ({
        to: "a@example.com",
        subject: `mail ${i}`,
        text: "",
        html: "",
        createdAt: ago((MAILBOX_SIZE + 5 - i) * SECOND),
      })),
    });

    // Known devices: seen within the device cookie's lifetime, and not.
    await t.db.knownDevice.createMany({
      data: [
        { userId: t.demoUserId, deviceHash: "recent", label: "Firefox on Linux", lastSeenAt: ago(399 * DAY) },
        {
          userId: t.demoUserId,
          deviceHash: "forgotten",
          label: "Firefox on Linux",
          lastSeenAt: ago(400 * DAY + SECOND),
        },
      ],
    });

    // Audit events: inside and past the retention.
    await t.db.authEvent.createMany({
      data: [
        { type: "login_succeeded", createdAt: ago(AUDIT_RETENTION - DAY) },
        { type: "login_succeeded", createdAt: ago(AUDIT_RETENTION + SECOND) },
      ],
    });

    const deadTokens = await t.db.refreshToken.count({ where: { sessionId: { in: deadSessionIds } } });
    const before = await counts();
    const result = await pruneExpired(t.db, now);
    const after = await counts();

    const expected = {
      sessions: 3,
      refreshTokens: deadTokens,
      dbscChallenges: 2,
      webauthnChallenges: 1,
      authorizationCodes: 3,
      deviceAuthorizations: 1,
      dpopProofJtis: 1,
      emailTokens: 1,
      devMails: 5,
      knownDevices: 1,
      rateLimits: 1,
      authEvents: 1,
    };
    expect(result).toEqual(expected);
    for (const [table, deleted] of Object.entries(expected)) {
      expect(after[table as keyof PruneResult], table).toBe(before[table as keyof PruneResult] - deleted);
    }
    expect(deadTokens).toBeGreaterThan(3);

    const sessionsLeft = await t.db.session.findMany({ select: { id: true } });
    expect(sessionsLeft.map((s) => s.id).sort()).toEqual([...liveSessionIds].sort());
    expect(await t.db.refreshToken.count({ where: { sessionId: { in: deadSessionIds } } })).toBe(0);
    expect(await consumeChallenge(t.db, live.sessionId, liveChallenge, now)).toBe(true);
    expect(await consumeWebauthnChallenge(t.db, "authentication", livePasskeyChallenge, null, now)).toBe(true);
    const mails = await t.db.devMail.findMany({ select: { subject: true } });
    expect(mails.map((m) => m.subject)).not.toContain("mail 4");
    expect(mails.map((m) => m.subject)).toContain("mail 5");
    expect(await t.db.dpopProofJti.findUnique({ where: { id: "live" } })).not.toBeNull();
    expect(await t.db.emailToken.findUnique({ where: { tokenHash: "live" } })).not.toBeNull();
    expect(await t.db.rateLimiterFlexible.findUnique({ where: { key: "login-ip:live" } })).not.toBeNull();
    // The live session still works.
    expect(await rotateRefreshToken(t.db, live.refreshToken, client)).toMatchObject({ ok: true, kind: "rotated" });

    // Nothing else is dead: a second run deletes nothing.
    const again = await pruneExpired(t.db, now);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });

  it("keeps every spent refresh token of a live session, so an old replay is still caught as theft", async () => {
    // Rotated every 3 days for 20 days (the idle lifetime is 7 days): the first tokens
    // were spent long before the idle lifetime, yet the session is alive.
    const first = await startSession(t.db, t.demoUserId, client, ago(20 * DAY));
    let current = first;
    for (let day = 19; day >= 1; day -= 3) current = await rotateOk(current.refreshToken, ago(day * DAY));
    const chain = await t.db.refreshToken.count({ where: { sessionId: first.sessionId } });
    expect(chain).toBe(8);

    const result = await pruneExpired(t.db, now);
    expect(result.refreshTokens).toBe(0);
    expect(await t.db.refreshToken.count({ where: { sessionId: first.sessionId } })).toBe(chain);

    // The token spent 19 days ago, presented again (a thief's copy, or the owner after
    // the thief rotated): the whole family is revoked, the current token included.
    expect(await rotateRefreshToken(t.db, first.refreshToken, client, now)).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
    expect(await rotateRefreshToken(t.db, current.refreshToken, client, now)).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
  });

  it("keeps a revoked session until it would have expired, so its cookie still gets the reuse verdict", async () => {
    const session = await startSession(t.db, t.demoUserId, client, ago(3 * DAY));
    const rotated = await rotateOk(session.refreshToken, ago(2 * DAY));
    // Theft detected a day ago.
    expect(await rotateRefreshToken(t.db, session.refreshToken, client, ago(DAY))).toMatchObject({
      error: "refresh_token_reused",
    });
    await pruneExpired(t.db, now);
    expect(await rotateRefreshToken(t.db, rotated.refreshToken, client, now)).toEqual({
      ok: false,
      error: "refresh_token_reused",
    });
    // Once past its idle expiry (plus the margin) it goes, with its tokens.
    const later = new Date(now.getTime() + 5 * DAY + MARGIN + SECOND);
    expect(await pruneExpired(t.db, later)).toMatchObject({ sessions: 1, refreshTokens: 2 });
    expect(await t.db.refreshToken.count()).toBe(0);
  });

  const VERIFIER = "v".repeat(43);

  it("keeps a spent authorization code while its session lives: a replay still revokes that session", async () => {
    const code = await createAuthorizationCode(
      t.db,
      {
        client: DEMO_CLI_CLIENT,
        userId: t.demoUserId,
        redirectUri: "http://127.0.0.1:1/cb",
        codeChallenge: createHash("sha256").update(VERIFIER).digest("base64url"),
        scope: "account",
        authentication: { at: ago(DAY), methods: ["pwd"] },
      },
      ago(DAY),
    );
    const exchange = {
      code,
      clientId: DEMO_CLI_CLIENT.id,
      redirectUri: "http://127.0.0.1:1/cb",
      codeVerifier: VERIFIER,
      dpopJkt: null,
    };
    const redeemed = await redeemAuthorizationCode(t.db, exchange, client, ago(DAY));
    if (!redeemed.ok) throw new Error(redeemed.description);

    expect((await pruneExpired(t.db, now)).authorizationCodes).toBe(0);
    const replay = await redeemAuthorizationCode(t.db, exchange, client, now);
    expect(replay).toMatchObject({ ok: false });
    const session = await t.db.session.findUniqueOrThrow({ where: { id: redeemed.tokens.sessionId } });
    expect(session.revokedReason).toBe(REVOKE_REASON.reuse);

    // When the session is pruned, the code goes in the same run.
    const later = new Date(now.getTime() + 7 * DAY + MARGIN);
    expect(await pruneExpired(t.db, later)).toMatchObject({ sessions: 1, authorizationCodes: 1 });
    expect(await t.db.authorizationCode.count()).toBe(0);
  });

  it("tells a device polling just after expiry that it expired, and forgets it after the margin", async () => {
    const start = await startDeviceAuthorization(
      t.db,
      DEMO_CLI_CLIENT,
      "account",
      client,
      ago(600 * SECOND + MARGIN / 2),
    );
    if (!start.ok) throw new Error("device authorization refused");
    await pruneExpired(t.db, now);
    const poll = { deviceCode: start.deviceCode, clientId: DEMO_CLI_CLIENT.id, dpopJkt: null };
    expect(await pollDeviceAuthorization(t.db, poll, client, now)).toEqual({ ok: false, error: "expired_token" });
    await pruneExpired(t.db, ahead(MARGIN));
    expect(await t.db.deviceAuthorization.count()).toBe(0);
  });
});

describe.runIf(testProvider() === "postgresql")("the prune lock (PostgreSQL advisory lock)", () => {
  it("lets one process prune at a time and is free again afterwards", async () => {
    const holder = new pg.Client(parseIntoClientConfig(t.url));
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [ADVISORY_LOCK.prune.toString()]);
      let ran = false;
      const blocked = await runExclusively(t.url, ADVISORY_LOCK.prune, async () => (ran = true));
      expect(blocked).toEqual({ ran: false });
      expect(ran).toBe(false);
      await holder.query("SELECT pg_advisory_unlock($1::bigint)", [ADVISORY_LOCK.prune.toString()]);
      expect(await runExclusively(t.url, ADVISORY_LOCK.prune, () => pruneExpired(t.db))).toMatchObject({ ran: true });
      // Released after the job: another holder gets it at once.
      const { rows } = await holder.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [
        ADVISORY_LOCK.prune.toString(),
      ]);
      expect(rows[0]!.locked).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
