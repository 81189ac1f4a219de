// WebAuthn challenges (lib/auth/passkeys/challenges.ts) against a real database (SQLite,
// or PostgreSQL with TEST_DATABASE_URL): single use, short-lived, one ceremony, one owner.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  consumeWebauthnChallenge,
  issueWebauthnChallenge,
  WEBAUTHN_CHALLENGE_TTL_SECONDS,
} from "@/lib/auth/passkeys/challenges";
import { hashSecretToken } from "@/lib/auth/secret-token";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

const now = new Date();
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe("WebAuthn challenges", () => {
  it("are stored only as their hash, 256 bits of base64url", async () => {
    const challenge = await issueWebauthnChallenge(t.db, "authentication", null, now);
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.db.webauthnChallenge.findMany();
    expect(rows.map((r) => r.id)).toEqual([hashSecretToken(challenge)]);
  });

  it("are answered once", async () => {
    const challenge = await issueWebauthnChallenge(t.db, "authentication", null, now);
    expect(await consumeWebauthnChallenge(t.db, "authentication", challenge, null, at(1))).toBe(true);
    expect(await consumeWebauthnChallenge(t.db, "authentication", challenge, null, at(2))).toBe(false);
  });

  it("admit one of a concurrent burst of answers", async () => {
    const challenge = await issueWebauthnChallenge(t.db, "authentication", null, now);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => consumeWebauthnChallenge(t.db, "authentication", challenge, null, at(1))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("expire after their lifetime, used or not", async () => {
    const challenge = await issueWebauthnChallenge(t.db, "authentication", null, now);
    expect(
      await consumeWebauthnChallenge(t.db, "authentication", challenge, null, at(WEBAUTHN_CHALLENGE_TTL_SECONDS)),
    ).toBe(false);
    const fresh = await issueWebauthnChallenge(t.db, "authentication", null, now);
    expect(
      await consumeWebauthnChallenge(t.db, "authentication", fresh, null, at(WEBAUTHN_CHALLENGE_TTL_SECONDS - 1)),
    ).toBe(true);
  });

  it("answer only the ceremony they were issued for", async () => {
    const owner = { userId: t.demoUserId, sessionId: "session-a" };
    const registration = await issueWebauthnChallenge(t.db, "registration", owner, now);
    expect(await consumeWebauthnChallenge(t.db, "authentication", registration, null, at(1))).toBe(false);
    expect(await consumeWebauthnChallenge(t.db, "reauthentication", registration, owner, at(1))).toBe(false);
    const signIn = await issueWebauthnChallenge(t.db, "authentication", null, now);
    expect(await consumeWebauthnChallenge(t.db, "registration", signIn, owner, at(1))).toBe(false);
    // Refusals spent nothing.
    expect(await consumeWebauthnChallenge(t.db, "registration", registration, owner, at(1))).toBe(true);
    expect(await consumeWebauthnChallenge(t.db, "authentication", signIn, null, at(1))).toBe(true);
  });

  it("of a signed-in ceremony answer only the session they were issued to", async () => {
    const owner = { userId: t.demoUserId, sessionId: "session-a" };
    const challenge = await issueWebauthnChallenge(t.db, "registration", owner, now);
    const otherSession = { userId: t.demoUserId, sessionId: "session-b" };
    expect(await consumeWebauthnChallenge(t.db, "registration", challenge, otherSession, at(1))).toBe(false);
    expect(await consumeWebauthnChallenge(t.db, "registration", challenge, null, at(1))).toBe(false);
    expect(await consumeWebauthnChallenge(t.db, "registration", challenge, owner, at(1))).toBe(true);
  });

  it("die with their user", async () => {
    await issueWebauthnChallenge(t.db, "registration", { userId: t.demoUserId, sessionId: "s" }, now);
    await t.db.user.delete({ where: { id: t.demoUserId } });
    expect(await t.db.webauthnChallenge.count()).toBe(0);
  });
});
