// Device-bound sessions (DBSC) over HTTPS, as an attacker would probe them: this file
// plays the browser (it holds the key) and the thief (it holds only cookies).
import { base64url, calculateJwkThumbprint, exportJWK, SignJWT, type JWK, type JWTHeaderParameters } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueChallenge } from "../../lib/auth/dbsc/challenges";
import { DEMO } from "../support/database";
import { dbscKey, dbscProof, unsignedJwt, type DbscKey } from "../support/dbsc";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, trustDevelopmentCertificate, type TestServer } from "../support/server";

// The server's certificate is the self-signed development one.
trustDevelopmentCertificate();

const ACCESS = "__Host-access_token";
const REFRESH = "__Secure-refresh_token";
const REGISTER = "/api/auth/dbsc/register";
const DBSC_REFRESH = "/api/auth/dbsc/refresh";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, { https: true });
});
afterAll(() => server?.stop());

/** A proof that answers the challenge. */
const sign = (key: DbscKey, challenge: string, header: Record<string, unknown> = {}) =>
  dbscProof(key, { jti: challenge }, header);

const registrationProof = (key: DbscKey, challenge: string, header: Record<string, unknown> = {}) =>
  sign(key, challenge, { jwk: key.jwk, ...header });

function hs256(challenge: string, header: object = {}): Promise<string> {
  // The public key's coordinates as an HMAC secret: the classic confusion.
  return new SignJWT({ jti: challenge })
    .setProtectedHeader({ alg: "HS256", typ: "dbsc+jwt", ...header })
    .sign(new TextEncoder().encode("0123456789abcdef0123456789abcdef"));
}

function offeredChallenge(response: Response): string {
  const offer = response.headers.get("secure-session-registration") ?? "";
  expect(offer).toMatch(/^\(ES256 RS256\);challenge="[A-Za-z0-9_-]{43}";path="\/api\/auth\/dbsc\/register"$/);
  return /challenge="([^"]+)"/.exec(offer)![1]!;
}

async function signIn(): Promise<{ jar: CookieJar; challenge: string; sessionId: string }> {
  const { response, jar } = await login(server.url, DEMO);
  expect(response.status).toBe(200);
  const challenge = offeredChallenge(response);
  const { sessionId } = await server.db.dbscChallenge.findUniqueOrThrow({ where: { id: challenge } });
  return { jar, challenge, sessionId };
}

function register(jar: CookieJar, proof: string | null): Promise<Response> {
  const headers: Record<string, string> = proof === null ? {} : { "secure-session-response": proof };
  return fetch(`${server.url}${REGISTER}`, withCookies(jar, { method: "POST", headers }));
}

function dbscRefresh(sessionId: string, proof?: string, jar?: CookieJar): Promise<Response> {
  const headers: Record<string, string> = { "sec-secure-session-id": sessionId };
  if (proof !== undefined) headers["secure-session-response"] = proof;
  if (jar) headers.cookie = jar.header();
  return fetch(`${server.url}${DBSC_REFRESH}`, { method: "POST", headers, redirect: "manual" });
}

async function boundSession(key?: DbscKey) {
  const signedIn = await signIn();
  const k = key ?? (await dbscKey());
  const response = await register(signedIn.jar, await registrationProof(k, signedIn.challenge));
  expect(response.status).toBe(200);
  return { ...signedIn, key: k };
}

/** A fresh challenge for a bound session, from the refresh route's 403. */
async function refreshChallenge(sessionId: string): Promise<string> {
  const response = await dbscRefresh(sessionId);
  expect(response.status).toBe(403);
  const header = response.headers.get("secure-session-challenge") ?? "";
  expect(header).toBe(`"${/"([^"]+)"/.exec(header)?.[1]}";id="${sessionId}"`);
  return /"([^"]+)"/.exec(header)![1]!;
}

const binding = (sessionId: string) =>
  server.db.session.findUniqueOrThrow({
    where: { id: sessionId },
    select: { dbscPublicKey: true, dbscThumbprint: true, dbscAlgorithm: true, dbscBoundAt: true, revokedAt: true },
  });

const accessCookieOf = (response: Response) => parseSetCookies(response).find((c) => c.name === ACCESS);

async function expectNoNewAccessToken(response: Response) {
  expect(response.status).not.toBe(200);
  expect(accessCookieOf(response)?.value ?? "").toBe("");
}

describe("registration", () => {
  it("binds the signed-in session to the key and names the access cookie as its credential", async () => {
    const { jar, challenge, sessionId } = await signIn();
    const key = await dbscKey();
    const response = await register(jar, await registrationProof(key, challenge));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      session_identifier: sessionId,
      refresh_url: DBSC_REFRESH,
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: "cookie", name: ACCESS, attributes: "Path=/; Secure; HttpOnly; SameSite=Lax" }],
    });
    const row = await binding(sessionId);
    expect(row.dbscAlgorithm).toBe("ES256");
    expect(row.dbscThumbprint).toBe(await calculateJwkThumbprint(key.jwk, "sha256"));
    expect(JSON.parse(row.dbscPublicKey!)).toEqual({ kty: "EC", crv: "P-256", x: key.jwk.x, y: key.jwk.y });
    expect(row.dbscBoundAt).not.toBeNull();
    const events = await server.db.authEvent.findMany({ where: { sessionId, type: "dbsc_bound" } });
    expect(events).toHaveLength(1);
  });

  it("accepts RS256 keys too", async () => {
    const { sessionId } = await boundSession(await dbscKey("RS256"));
    expect((await binding(sessionId)).dbscAlgorithm).toBe("RS256");
  });

  it("refuses every malformed or forged registration proof and binds nothing", async () => {
    const key = await dbscKey();
    const other = await dbscKey();
    const { d: _d, ...otherPublic } = (await exportJWK(other.privateKey)) as JWK;
    void _d;
    const privateJwk = await exportJWK(key.privateKey);
    const cases: [string, (challenge: string) => Promise<string | null> | string | null][] = [
      ["no header", () => null],
      ["an empty header", () => ""],
      ["not a JWT", () => "garbage"],
      ["two parts", (c) => `${base64url.encode("{}")}.${base64url.encode(JSON.stringify({ jti: c }))}`],
      ["a header that is not JSON", () => "bm90LWpzb24.e30.c2ln"],
      ["alg none", (c) => unsignedJwt({ alg: "none", typ: "dbsc+jwt", jwk: key.jwk }, { jti: c })],
      ["HS256", (c) => hs256(c, { jwk: key.jwk })],
      ["wrong typ", (c) => registrationProof(key, c, { typ: "JWT" })],
      ["no typ", (c) => registrationProof(key, c, { typ: undefined })],
      ["no jwk", (c) => sign(key, c)],
      ["a jwk with its private part", (c) => registrationProof(key, c, { jwk: privateJwk })],
      ["a jwk that did not sign", (c) => registrationProof(key, c, { jwk: otherPublic })],
      ["an RSA jwk for ES256", async (c) => registrationProof(key, c, { jwk: (await dbscKey("RS256")).jwk })],
      [
        "a symmetric jwk",
        (c) => registrationProof(key, c, { jwk: { kty: "oct", k: "c2VjcmV0" } as JWTHeaderParameters["jwk"] }),
      ],
      [
        "no jti",
        () => new SignJWT({}).setProtectedHeader({ alg: "ES256", typ: "dbsc+jwt", jwk: key.jwk }).sign(key.privateKey),
      ],
    ];
    for (const [name, make] of cases) {
      const { jar, challenge, sessionId } = await signIn();
      const response = await register(jar, await make(challenge));
      expect([400, 401], name).toContain(response.status);
      expect((await response.json()).error, name).toBe("invalid_proof");
      expect((await binding(sessionId)).dbscThumbprint, name).toBeNull();
      // The challenge was not spent by the failure.
      const row = await server.db.dbscChallenge.findUniqueOrThrow({ where: { id: challenge } });
      expect(row.usedAt, name).toBeNull();
    }
  });

  it("refuses a challenge of another session, an expired one and a replayed one", async () => {
    const key = await dbscKey();
    const a = await signIn();
    const b = await signIn();
    // B's challenge, presented with A's cookies.
    let response = await register(a.jar, await registrationProof(key, b.challenge));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe("invalid_challenge");
    expect((await binding(a.sessionId)).dbscThumbprint).toBeNull();
    expect((await binding(b.sessionId)).dbscThumbprint).toBeNull();

    // Expired.
    await server.db.dbscChallenge.update({
      where: { id: a.challenge },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    response = await register(a.jar, await registrationProof(key, a.challenge));
    expect(response.status).toBe(400);
    expect((await binding(a.sessionId)).dbscThumbprint).toBeNull();

    // An unknown challenge.
    response = await register(a.jar, await registrationProof(key, "A".repeat(43)));
    expect(response.status).toBe(400);

    // Replayed: B binds, then the same proof is sent again.
    const proof = await registrationProof(key, b.challenge);
    expect((await register(b.jar, proof)).status).toBe(200);
    expect((await register(b.jar, proof)).status).not.toBe(200);
  });

  it("needs the session's own access cookie", async () => {
    const { challenge, sessionId } = await signIn();
    const key = await dbscKey();
    const response = await register(new CookieJar(), await registrationProof(key, challenge));
    expect(response.status).toBe(401);
    expect((await binding(sessionId)).dbscThumbprint).toBeNull();
  });

  it("never swaps the key of a bound session, whatever challenge the attacker gets hold of", async () => {
    // A second challenge of this session issued before binding (refreshes no longer offer
    // one, so it is put in the database as an attacker's lucky find).
    const { jar, challenge, sessionId } = await signIn();
    const spareChallenge = await issueChallenge(server.db, sessionId);
    const owner = await dbscKey();
    expect((await register(jar, await registrationProof(owner, challenge))).status).toBe(200);
    const before = await binding(sessionId);

    const attacker = await dbscKey();
    for (const stolenChallenge of [spareChallenge, await refreshChallenge(sessionId)]) {
      const response = await register(jar, await registrationProof(attacker, stolenChallenge));
      expect(response.status).toBe(409);
      expect((await response.json()).error).toBe("already_bound");
    }
    expect(await binding(sessionId)).toEqual(before);
    // The attacker's key cannot refresh the session either.
    const response = await dbscRefresh(sessionId, await sign(attacker, await refreshChallenge(sessionId)));
    await expectNoNewAccessToken(response);
  });
});

describe("refresh of a bound session", () => {
  it("answers a challenge, then a new access cookie for a proof by the stored key", async () => {
    const { sessionId, key, jar } = await boundSession();
    const before = await server.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    const challenge = await refreshChallenge(sessionId);
    const response = await dbscRefresh(sessionId, await sign(key, challenge));
    expect(response.status).toBe(200);
    expect((await response.json()).session_identifier).toBe(sessionId);
    const access = accessCookieOf(response)!;
    expect(access.value).toMatch(/^ey/);
    expect(access.attributes).toMatchObject({ path: "/", secure: true, httponly: true, samesite: "lax" });
    // Only the access cookie: the refresh cookie is not what renews a bound session.
    expect(parseSetCookies(response).map((c) => c.name)).toEqual([ACCESS]);
    const me = await fetch(`${server.url}/api/me`, { headers: { cookie: `${ACCESS}=${access.value}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).session.id).toBe(sessionId);
    const after = await server.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(after.lastUsedAt.getTime()).toBeGreaterThanOrEqual(before.lastUsedAt.getTime());
    expect(after.absoluteExpiresAt).toEqual(before.absoluteExpiresAt);
    expect(jar.get(REFRESH)).toBeTruthy();
  });

  it("refuses every forged refresh proof and spends no challenge on it", async () => {
    const { sessionId, key, jar } = await boundSession();
    const wrongKey = await dbscKey();
    const rsa = await dbscKey("RS256");
    const cases: [string, (challenge: string) => Promise<string> | string][] = [
      ["an empty header", () => ""],
      ["not a JWT", () => "not.a.jwt"],
      ["a header that is not JSON", () => "bm90LWpzb24.e30.c2ln"],
      ["alg none", (c) => unsignedJwt({ alg: "none", typ: "dbsc+jwt" }, { jti: c })],
      ["HS256", (c) => hs256(c)],
      ["another key", (c) => sign(wrongKey, c)],
      ["another key, offered in the header", (c) => sign(wrongKey, c, { jwk: wrongKey.jwk })],
      ["RS256 against an ES256 key", (c) => sign(rsa, c)],
      ["wrong typ", (c) => sign(key, c, { typ: "JWT" })],
      [
        "a signature of another payload",
        async (c) => {
          const [h, , s] = (await sign(key, "other")).split(".");
          return `${h}.${base64url.encode(JSON.stringify({ jti: c }))}.${s}`;
        },
      ],
    ];
    for (const [name, make] of cases) {
      const challenge = await refreshChallenge(sessionId);
      const response = await dbscRefresh(sessionId, await make(challenge));
      expect(response.status, name).toBe(400);
      expect((await response.json()).error, name).toBe("invalid_proof");
      await expectNoNewAccessToken(response);
      const row = await server.db.dbscChallenge.findUniqueOrThrow({ where: { id: challenge } });
      expect(row.usedAt, name).toBeNull();
    }
    // A session id is no credential, so a bad proof is nobody's doing on this account: it
    // is counted against the address, not written to the account's log (issue 22, finding 7).
    const failures = await server.db.authEvent.count({ where: { sessionId, type: "dbsc_proof_failed" } });
    expect(failures).toBe(0);
    const counter = await server.db.rateLimiterFlexible.findFirst({
      where: { key: { startsWith: "dbsc-refresh-ip" } },
    });
    expect(counter?.points).toBeGreaterThanOrEqual(2 * cases.length);
    expect((await fetch(`${server.url}/dashboard`, withCookies(jar))).status).toBe(200);
  });

  it("refuses a replayed, an expired, a foreign and an unknown challenge under a valid signature", async () => {
    const a = await boundSession();
    const b = await boundSession();

    const challenge = await refreshChallenge(a.sessionId);
    const proof = await sign(a.key, challenge);
    expect((await dbscRefresh(a.sessionId, proof)).status).toBe(200);
    const replay = await dbscRefresh(a.sessionId, proof);
    expect(replay.status).toBe(403);
    await expectNoNewAccessToken(replay);

    const expiring = await refreshChallenge(a.sessionId);
    await server.db.dbscChallenge.update({ where: { id: expiring }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectNoNewAccessToken(await dbscRefresh(a.sessionId, await sign(a.key, expiring)));

    // B's challenge signed with A's key for A's session, and with B's key for A's session.
    const foreign = await refreshChallenge(b.sessionId);
    await expectNoNewAccessToken(await dbscRefresh(a.sessionId, await sign(a.key, foreign)));
    await expectNoNewAccessToken(await dbscRefresh(a.sessionId, await sign(b.key, foreign)));
    expect((await server.db.dbscChallenge.findUniqueOrThrow({ where: { id: foreign } })).usedAt).toBeNull();

    await expectNoNewAccessToken(await dbscRefresh(a.sessionId, await sign(a.key, "B".repeat(43))));
    // The sign-in offer's challenge was spent by the registration.
    await expectNoNewAccessToken(await dbscRefresh(a.sessionId, await sign(a.key, a.challenge)));
  });

  it("ends the browser's session when the session is revoked, expired or unknown, and clears the cookies", async () => {
    const revoked = await boundSession();
    await server.db.session.update({ where: { id: revoked.sessionId }, data: { revokedAt: new Date() } });
    const expired = await boundSession();
    await server.db.session.update({
      where: { id: expired.sessionId },
      data: { idleExpiresAt: new Date(Date.now() - 1000) },
    });
    for (const sessionId of [revoked.sessionId, expired.sessionId, "00000000-0000-4000-8000-000000000000"]) {
      const response = await dbscRefresh(sessionId);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ session_identifier: sessionId, continue: false });
      const cleared = parseSetCookies(response);
      expect(cleared.map((c) => c.name).sort()).toEqual([ACCESS, REFRESH]);
      for (const cookie of cleared) expect(cookie.attributes["max-age"]).toBe("0");
    }
    // Even a valid proof of the revoked session's key gets nothing.
    const response = await dbscRefresh(revoked.sessionId, await sign(revoked.key, "C".repeat(43)));
    expect(await response.json()).toEqual({ session_identifier: revoked.sessionId, continue: false });
  });

  it("refuses a request that names no session", async () => {
    const response = await fetch(`${server.url}${DBSC_REFRESH}`, { method: "POST" });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe("invalid_request");
  });
});

describe("the refresh cookie of a bound session", () => {
  it("no longer extends it, and presenting it signs nobody out", async () => {
    const { jar, sessionId } = await boundSession();
    const tokensBefore = await server.db.refreshToken.findMany({ where: { sessionId }, orderBy: { createdAt: "asc" } });
    const countersBefore = await server.db.rateLimiterFlexible.findMany({ orderBy: { key: "asc" } });

    const post = await fetch(`${server.url}/api/auth/refresh`, withCookies(jar, { method: "POST" }));
    expect(post.status).toBe(401);
    expect((await post.json()).error).toBe("session_bound");
    expect(parseSetCookies(post)).toEqual([]);

    const get = await fetch(`${server.url}/api/auth/refresh?next=/dashboard`, withCookies(jar));
    expect(get.status).toBe(303);
    expect(get.headers.get("location")).toContain("/login?next=%2Fdashboard");
    expect(accessCookieOf(get)).toBeUndefined();

    expect(await server.db.refreshToken.findMany({ where: { sessionId }, orderBy: { createdAt: "asc" } })).toEqual(
      tokensBefore,
    );
    expect((await binding(sessionId)).revokedAt).toBeNull();
    // A bound session's cookie is genuine, not a guess: it spends no failed-refresh point.
    expect(await server.db.rateLimiterFlexible.findMany({ orderBy: { key: "asc" } })).toEqual(countersBefore);
  });

  it("is told apart by the dashboard's timeline, so the page can stop posting it", async () => {
    const deviceBound = async (jar: CookieJar) => {
      const response = await fetch(`${server.url}/api/demo/timeline`, withCookies(jar));
      expect(response.status).toBe(200);
      return ((await response.json()) as { deviceBound: boolean }).deviceBound;
    };
    const { jar, challenge } = await signIn();
    expect(await deviceBound(jar)).toBe(false);
    expect((await register(jar, await registrationProof(await dbscKey(), challenge))).status).toBe(200);
    expect(await deviceBound(jar)).toBe(true);
  });

  // Review finding 3: an offer on refresh let a thief replaying a copied cookie jar bind
  // the session to its own key first. Only the sign-in offers a binding.
  it("still rotates a session that is not bound, and offers no binding (only the sign-in does)", async () => {
    const { jar, sessionId } = await signIn();
    const response = await fetch(`${server.url}/api/auth/refresh`, withCookies(jar, { method: "POST" }));
    expect(response.status).toBe(200);
    expect(
      parseSetCookies(response)
        .map((c) => c.name)
        .sort(),
    ).toEqual([ACCESS, REFRESH]);
    expect(response.headers.get("secure-session-registration")).toBeNull();
    expect(await server.db.dbscChallenge.count({ where: { sessionId } })).toBe(1);
  });
});

describe("over plain http", () => {
  it("offers no binding (browsers bind over https only)", async () => {
    const plain = await startServer();
    try {
      const { response } = await login(plain.url, DEMO);
      expect(response.status).toBe(200);
      expect(response.headers.get("secure-session-registration")).toBeNull();
      expect(await plain.db.dbscChallenge.count()).toBe(0);
    } finally {
      await plain.stop();
    }
  });
});
