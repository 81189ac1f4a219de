// DBSC proofs and challenges below the HTTP layer: every class of forged proof, and the
// challenge store's single use, expiry and session scoping (SQLite, or PostgreSQL with
// TEST_DATABASE_URL).
import { calculateJwkThumbprint, exportJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumeChallenge, DBSC_CHALLENGE_TTL_SECONDS, issueChallenge } from "@/lib/auth/dbsc/challenges";
import { verifyRefreshProof, verifyRegistrationProof } from "@/lib/auth/dbsc/proof";
import { bindSession, refreshBoundSession } from "@/lib/auth/dbsc/binding";
import { pruneExpired } from "@/lib/auth/prune";
import { rotateRefreshToken } from "@/lib/auth/refresh";
import { startSession } from "@/lib/auth/session/lifecycle";
import { sessionTimeline } from "@/lib/auth/session/timeline";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { dbscKey, dbscProof, unsignedJwt } from "../support/dbsc";

describe("verifyRegistrationProof", () => {
  it("returns the public key, its thumbprint and the challenge", async () => {
    for (const alg of ["ES256", "RS256"] as const) {
      const key = await dbscKey(alg);
      const result = await verifyRegistrationProof(await dbscProof(key, { jti: "c1" }, { jwk: key.jwk }));
      expect(result).toEqual({
        ok: true,
        algorithm: alg,
        publicKey:
          alg === "ES256"
            ? { kty: "EC", crv: "P-256", x: key.jwk.x, y: key.jwk.y }
            : { kty: "RSA", n: key.jwk.n, e: key.jwk.e },
        thumbprint: await calculateJwkThumbprint(key.jwk, "sha256"),
        challenge: "c1",
      });
    }
  });

  it("refuses every algorithm outside the offered list, before any verification", async () => {
    const key = await dbscKey();
    for (const alg of [
      "none",
      "None",
      "HS256",
      "HS384",
      "HS512",
      "PS256",
      "ES384",
      "ES512",
      "RS512",
      "EdDSA",
      "es256",
      "",
    ]) {
      const proof = unsignedJwt({ alg, typ: "dbsc+jwt", jwk: key.jwk }, { jti: "c" });
      expect(await verifyRegistrationProof(proof), alg).toEqual({ ok: false, failure: "unsupported_algorithm" });
    }
    const hmac = await new SignJWT({ jti: "c" })
      .setProtectedHeader({ alg: "HS256", typ: "dbsc+jwt", jwk: key.jwk })
      .sign(new TextEncoder().encode("k".repeat(32)));
    expect(await verifyRegistrationProof(hmac)).toEqual({ ok: false, failure: "unsupported_algorithm" });
  });

  it("refuses a jwk with any private or symmetric member, even when the signature is good", async () => {
    const key = await dbscKey();
    const rsa = await dbscKey("RS256");
    const ecPrivate = await exportJWK(key.privateKey);
    const rsaPrivate = await exportJWK(rsa.privateKey);
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]) {
      const [signer, full] = ["d"].includes(member) ? [key, ecPrivate] : [rsa, rsaPrivate];
      const jwk = { ...signer.jwk, [member]: (full as Record<string, unknown>)[member] ?? "AQAB" };
      const result = await verifyRegistrationProof(await dbscProof(signer, { jti: "c" }, { jwk }));
      expect(result, member).toEqual({ ok: false, failure: "private_key_material" });
    }
  });

  it("refuses a missing or unusable jwk, a wrong typ and a signature by another key", async () => {
    const key = await dbscKey();
    const other = await dbscKey();
    const cases: [string, Promise<string>, string][] = [
      ["no jwk", dbscProof(key, { jti: "c" }), "missing_key"],
      ["jwk of another key", dbscProof(key, { jti: "c" }, { jwk: other.jwk }), "bad_signature"],
      ["RSA jwk for ES256", dbscProof(key, { jti: "c" }, { jwk: (await dbscKey("RS256")).jwk }), "invalid_key"],
      ["P-384 jwk", dbscProof(key, { jti: "c" }, { jwk: { ...key.jwk, crv: "P-384" } }), "invalid_key"],
      [
        "jwk without y",
        dbscProof(key, { jti: "c" }, { jwk: { kty: "EC", crv: "P-256", x: key.jwk.x } }),
        "invalid_key",
      ],
      ["jwk off the curve", dbscProof(key, { jti: "c" }, { jwk: { ...key.jwk, y: other.jwk.y } }), "invalid_key"],
      ["typ JWT", dbscProof(key, { jti: "c" }, { jwk: key.jwk, typ: "JWT" }), "wrong_type"],
      ["typ in capitals", dbscProof(key, { jti: "c" }, { jwk: key.jwk, typ: "DBSC+JWT" }), "wrong_type"],
      ["no typ", dbscProof(key, { jti: "c" }, { jwk: key.jwk, typ: undefined }), "wrong_type"],
      ["no jti", dbscProof(key, {}, { jwk: key.jwk }), "bad_signature"],
      ["numeric jti", dbscProof(key, { jti: 7 }, { jwk: key.jwk }), "bad_signature"],
    ];
    for (const [name, proof, failure] of cases) {
      expect(await verifyRegistrationProof(await proof), name).toEqual({ ok: false, failure });
    }
  });

  it("refuses malformed tokens", async () => {
    for (const proof of ["", "x", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.", `${"a".repeat(5000)}.e30.x`]) {
      const result = await verifyRegistrationProof(proof);
      expect(result.ok, proof.slice(0, 20)).toBe(false);
    }
  });
});

describe("verifyRefreshProof", () => {
  it("accepts only the stored key with the stored algorithm, never a key the proof brings", async () => {
    const key = await dbscKey();
    const other = await dbscKey();
    const rsa = await dbscKey("RS256");
    const stored = { publicKey: key.jwk, algorithm: "ES256" };
    expect(await verifyRefreshProof(await dbscProof(key, { jti: "c" }), stored)).toEqual({ ok: true, challenge: "c" });
    expect(await verifyRefreshProof(await dbscProof(other, { jti: "c" }), stored)).toEqual({
      ok: false,
      failure: "bad_signature",
    });
    expect(await verifyRefreshProof(await dbscProof(other, { jti: "c" }, { jwk: other.jwk }), stored)).toEqual({
      ok: false,
      failure: "bad_signature",
    });
    expect(await verifyRefreshProof(await dbscProof(rsa, { jti: "c" }), stored)).toEqual({
      ok: false,
      failure: "unsupported_algorithm",
    });
    expect(await verifyRefreshProof(unsignedJwt({ alg: "none", typ: "dbsc+jwt" }, { jti: "c" }), stored)).toEqual({
      ok: false,
      failure: "unsupported_algorithm",
    });
  });
});

describe("DBSC challenges", () => {
  let t: TestDatabase;
  let sessionA: string;
  let sessionB: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    const client = { ip: null, userAgent: null };
    sessionA = (await startSession(t.db, t.demoUserId, client)).sessionId;
    sessionB = (await startSession(t.db, t.demoUserId, client)).sessionId;
  });
  afterAll(() => t?.cleanup());

  it("are answered once, by their own session, before they expire", async () => {
    const now = new Date();
    const challenge = await issueChallenge(t.db, sessionA, now);
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await consumeChallenge(t.db, sessionB, challenge, now)).toBe(false);
    expect(await consumeChallenge(t.db, sessionA, challenge, now)).toBe(true);
    expect(await consumeChallenge(t.db, sessionA, challenge, now)).toBe(false);

    const expiring = await issueChallenge(t.db, sessionA, now);
    const later = new Date(now.getTime() + DBSC_CHALLENGE_TTL_SECONDS * 1000);
    expect(await consumeChallenge(t.db, sessionA, expiring, later)).toBe(false);
    expect(await consumeChallenge(t.db, sessionA, "unknown", now)).toBe(false);
  });

  it("are answered once even by concurrent requests", async () => {
    const challenge = await issueChallenge(t.db, sessionA);
    const results = await Promise.all(Array.from({ length: 20 }, () => consumeChallenge(t.db, sessionA, challenge)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("are pruned once expired, and live ones are kept", async () => {
    const now = new Date();
    const live = await issueChallenge(t.db, sessionB, now);
    const old = await issueChallenge(t.db, sessionB, new Date(now.getTime() - DBSC_CHALLENGE_TTL_SECONDS * 1000 - 1));
    const result = await pruneExpired(t.db, now);
    expect(result.dbscChallenges).toBeGreaterThanOrEqual(1);
    expect(await t.db.dbscChallenge.findUnique({ where: { id: old } })).toBeNull();
    expect(await t.db.dbscChallenge.findUnique({ where: { id: live } })).not.toBeNull();
    expect(await consumeChallenge(t.db, sessionB, live, now)).toBe(true);
  });
});

describe("binding a session", () => {
  let t: TestDatabase;
  const client = { ip: null, userAgent: null };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.cleanup());

  async function bound() {
    const pair = await startSession(t.db, t.demoUserId, client);
    const key = await dbscKey();
    const subject = { userId: t.demoUserId, sessionId: pair.sessionId };
    const challenge = await issueChallenge(t.db, pair.sessionId);
    const result = await bindSession(t.db, subject, await dbscProof(key, { jti: challenge }, { jwk: key.jwk }), client);
    expect(result.ok).toBe(true);
    return { pair, key, subject };
  }

  it("keeps the first key: a valid proof with another key and a live challenge cannot replace it", async () => {
    const { pair, subject } = await bound();
    const before = await t.db.session.findUniqueOrThrow({ where: { id: pair.sessionId } });
    const attacker = await dbscKey();
    const challenge = await issueChallenge(t.db, pair.sessionId);
    const proof = await dbscProof(attacker, { jti: challenge }, { jwk: attacker.jwk });
    expect(await bindSession(t.db, subject, proof, client)).toEqual({ ok: false, error: "already_bound" });
    expect(await t.db.session.findUniqueOrThrow({ where: { id: pair.sessionId } })).toEqual(before);
  });

  it("binds only the session the caller is signed in to", async () => {
    const mine = await startSession(t.db, t.demoUserId, client);
    const theirs = await startSession(t.db, t.demoUserId, client);
    const key = await dbscKey();
    const challenge = await issueChallenge(t.db, theirs.sessionId);
    const proof = await dbscProof(key, { jti: challenge }, { jwk: key.jwk });
    expect(await bindSession(t.db, { userId: t.demoUserId, sessionId: mine.sessionId }, proof, client)).toEqual({
      ok: false,
      error: "invalid_challenge",
    });
    const rows = await t.db.session.findMany({ where: { id: { in: [mine.sessionId, theirs.sessionId] } } });
    expect(rows.every((row) => row.dbscThumbprint === null)).toBe(true);
  });

  it("shows in the session's timeline, which the dashboard reads to stop posting the refresh cookie", async () => {
    const unbound = await startSession(t.db, t.demoUserId, client);
    expect((await sessionTimeline(t.db, unbound.sessionId))?.deviceBound).toBe(false);
    const { pair } = await bound();
    expect((await sessionTimeline(t.db, pair.sessionId))?.deviceBound).toBe(true);
  });

  it("stops the refresh token from extending a bound session, without revoking it", async () => {
    const { pair } = await bound();
    expect(await rotateRefreshToken(t.db, pair.refreshToken, client)).toEqual({ ok: false, error: "session_bound" });
    expect(await rotateRefreshToken(t.db, pair.refreshToken, client)).toEqual({ ok: false, error: "session_bound" });
    const session = await t.db.session.findUniqueOrThrow({ where: { id: pair.sessionId } });
    expect(session.revokedAt).toBeNull();
    expect(await t.db.refreshToken.count({ where: { sessionId: pair.sessionId, usedAt: { not: null } } })).toBe(0);
  });

  it("renews a bound session only for a proof by its key over a fresh challenge of its own", async () => {
    const { pair, key } = await bound();
    const other = await bound();
    const first = await refreshBoundSession(t.db, pair.sessionId, null, client);
    if (first.kind !== "challenge") throw new Error(`expected a challenge, got ${first.kind}`);
    const foreign = await refreshBoundSession(t.db, other.pair.sessionId, null, client);
    if (foreign.kind !== "challenge") throw new Error(`expected a challenge, got ${foreign.kind}`);

    const withForeign = await refreshBoundSession(
      t.db,
      pair.sessionId,
      await dbscProof(key, { jti: foreign.challenge }),
      client,
    );
    expect(withForeign.kind).toBe("challenge");
    const withOtherKey = await refreshBoundSession(
      t.db,
      pair.sessionId,
      await dbscProof(other.key, { jti: first.challenge }),
      client,
    );
    expect(withOtherKey).toEqual({ kind: "rejected", failure: "bad_signature" });

    const proof = await dbscProof(key, { jti: first.challenge });
    const renewed = await refreshBoundSession(t.db, pair.sessionId, proof, client);
    expect(renewed.kind).toBe("refreshed");
    expect((await refreshBoundSession(t.db, pair.sessionId, proof, client)).kind).toBe("challenge");

    await t.db.session.update({ where: { id: pair.sessionId }, data: { revokedAt: new Date() } });
    expect(await refreshBoundSession(t.db, pair.sessionId, null, client)).toEqual({ kind: "ended" });
  });
});
