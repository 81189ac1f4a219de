// The second outside review (issue 22), the low and conformance findings 4, 5, 6, 7, 10,
// 12 and 14, each as an attack on its class. One server per describe block.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerClient } from "@/lib/auth/oauth/clients";
import { createTestDatabase, DEMO, type TestDatabase } from "../support/database";
import { dbscKey, dbscProof, type DbscKey } from "../support/dbsc";
import { CookieJar, login, withCookies } from "../support/http";
import { authorize, CLIENT_ID, dpopKey, form, pkce, registerDemoClients, type DpopKey } from "../support/oauth";
import { freePort, startServer, TEST_AUTH_SECRET, type TestServer } from "../support/server";

type TokenBody = { access_token: string; refresh_token: string; token_type: string };
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const REDIRECT = "http://127.0.0.1:8765/callback";

let accounts = 0;
/** A new account through the real registration route; returns its signed-in cookie jar. */
async function registerAccount(server: TestServer, email = `review2-${++accounts}-${Date.now()}@example.com`) {
  const password = `review two password ${accounts}`;
  const response = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(201);
  const jar = new CookieJar();
  jar.store(response);
  return { email, password, jar };
}

const postJson = (server: TestServer, jar: CookieJar, pathname: string, method: string, body: unknown) =>
  fetch(
    `${server.url}${pathname}`,
    withCookies(jar, {
      method,
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify(body),
    }),
  );

async function expectOAuthError(response: Response, status: number, error: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: string; error_description: string; message: string };
  expect(body.error).toBe(error);
  expect(body.message.length).toBeGreaterThan(0);
}

describe("4. grants die with their user", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_REGISTER_PER_IP: "100000/60", RATE_LIMIT_LOGIN_PER_IP: "100000/60" });
    await registerDemoClients(server.db);
  });
  afterAll(() => server?.stop());

  const token = (params: Record<string, string>) => form(`${server.url}/api/oauth/token`, params);

  async function approvedDeviceCode(jar: CookieJar): Promise<string> {
    const started = await form(`${server.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID });
    expect(started.status).toBe(200);
    const { device_code, user_code } = (await started.json()) as { device_code: string; user_code: string };
    const decided = await fetch(
      `${server.url}/api/oauth/device`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
        body: new URLSearchParams({ user_code, decision: "approve" }),
      }),
    );
    expect(decided.headers.get("location")).toContain("result=approved");
    return device_code;
  }

  async function issuedCode(jar: CookieJar) {
    const { verifier, challenge } = pkce();
    const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT }, jar);
    return { code: redirect.searchParams.get("code")!, verifier };
  }

  const redeemDevice = (deviceCode: string) =>
    token({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: CLIENT_ID });
  const redeemCode = (issued: { code: string; verifier: string }) =>
    token({
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      code: issued.code,
      code_verifier: issued.verifier,
      redirect_uri: REDIRECT,
    });

  async function deleteAccount(account: { password: string; jar: CookieJar }) {
    const response = await postJson(server, account.jar, "/api/account", "DELETE", { password: account.password });
    expect(response.status).toBe(204);
  }

  for (const reRegistered of [false, true]) {
    const when = reRegistered ? "after the address was registered again" : "after the account was deleted";
    it(`an approved device code and an issued authorization code → 400 invalid_grant ${when}`, async () => {
      const account = await registerAccount(server);
      const deviceCode = await approvedDeviceCode(account.jar);
      const code = await issuedCode(account.jar);
      const oldUserId = (await server.db.user.findUniqueOrThrow({ where: { email: account.email } })).id;
      await deleteAccount(account);
      let newUserId: string | null = null;
      if (reRegistered) {
        await registerAccount(server, account.email);
        newUserId = (await server.db.user.findUniqueOrThrow({ where: { email: account.email } })).id;
      }
      await expectOAuthError(await redeemDevice(deviceCode), 400, "invalid_grant");
      await expectOAuthError(await redeemCode(code), 400, "invalid_grant");
      // Nothing the old user approved outlives them.
      expect(await server.db.deviceAuthorization.count({ where: { userId: oldUserId } })).toBe(0);
      expect(await server.db.authorizationCode.count({ where: { userId: oldUserId } })).toBe(0);
      // No tokens for anyone: the new owner of the address has only the session it signed in with.
      if (newUserId)
        expect(await server.db.session.count({ where: { userId: newUserId, clientId: CLIENT_ID } })).toBe(0);
      expect(await server.db.session.count({ where: { userId: oldUserId } })).toBe(0);
    });
  }

  it("a pending device code a deleted user never decided stays pending for the device, then works for whoever approves it", async () => {
    const started = await form(`${server.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID });
    const { device_code, user_code } = (await started.json()) as { device_code: string; user_code: string };
    const account = await registerAccount(server);
    await deleteAccount(account);
    await expectOAuthError(await redeemDevice(device_code), 400, "authorization_pending");
    const other = await registerAccount(server);
    const decided = await fetch(
      `${server.url}/api/oauth/device`,
      withCookies(other.jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
        body: new URLSearchParams({ user_code, decision: "approve" }),
      }),
    );
    expect(decided.headers.get("location")).toContain("result=approved");
    await server.db.deviceAuthorization.updateMany({ data: { lastPolledAt: new Date(Date.now() - 3_600_000) } });
    expect((await redeemDevice(device_code)).status).toBe(200);
  });
});

describe("5. loopback redirect URIs: only the port may vary (RFC 8252 §7.3)", () => {
  let server: TestServer;
  let jar: CookieJar;
  beforeAll(async () => {
    server = await startServer();
    await registerDemoClients(server.db);
    const loopback = { allowLoopback: true, grantTypes: ["authorization_code" as const, "refresh_token" as const] };
    await registerClient(server.db, {
      ...loopback,
      id: "v4-app",
      name: "V4",
      redirectUris: ["http://127.0.0.1/callback"],
    });
    await registerClient(server.db, { ...loopback, id: "v6-app", name: "V6", redirectUris: ["http://[::1]/cb"] });
    await registerClient(server.db, {
      ...loopback,
      id: "localhost-app",
      name: "Localhost",
      redirectUris: ["http://localhost:7000/cb"],
    });
    jar = (await login(server.url, DEMO)).jar;
  });
  afterAll(() => server?.stop());

  /** The consent page for this redirect: true when it would send the user there. */
  async function accepted(clientId: string, redirectUri: string): Promise<boolean> {
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    const response = await fetch(`${server.url}/oauth/authorize?${query}`, withCookies(jar));
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const page = await response.text();
    const refused = page.includes("has not registered");
    expect(refused || page.includes("Approve")).toBe(true);
    return !refused;
  }

  it.each([
    ["v4-app", "http://127.0.0.1/callback"],
    ["v4-app", "http://127.0.0.1:9999/callback"],
    ["v4-app", "http://127.0.0.1:1/callback"],
    ["v4-app", "http://127.0.0.1:65535/callback"],
    ["v6-app", "http://[::1]:54321/cb"],
    ["localhost-app", "http://localhost:7000/cb"],
    [CLIENT_ID, "http://127.0.0.1:53682/callback"],
    [CLIENT_ID, "http://[::1]:53682/callback"],
  ])("%s may use %s", async (clientId, uri) => {
    expect(await accepted(clientId, uri)).toBe(true);
  });

  it.each([
    ["another path", "v4-app", "http://127.0.0.1:9999/other/path"],
    ["a path below", "v4-app", "http://127.0.0.1:9999/callback/more"],
    ["a trailing slash", "v4-app", "http://127.0.0.1:9999/callback/"],
    ["the root", "v4-app", "http://127.0.0.1:9999/"],
    ["an extra query", "v4-app", "http://127.0.0.1:9999/callback?x=1"],
    ["an empty query", "v4-app", "http://127.0.0.1:9999/callback?"],
    ["a fragment", "v4-app", "http://127.0.0.1:9999/callback#f"],
    ["an empty fragment", "v4-app", "http://127.0.0.1:9999/callback#"],
    ["another case", "v4-app", "http://127.0.0.1:9999/CALLBACK"],
    ["a percent-encoded path", "v4-app", "http://127.0.0.1:9999/%63allback"],
    ["an encoded slash", "v4-app", "http://127.0.0.1:9999/callback%2F"],
    ["dot segments", "v4-app", "http://127.0.0.1:9999/x/../callback"],
    ["userinfo", "v4-app", "http://user@127.0.0.1:9999/callback"],
    ["empty userinfo", "v4-app", "http://:@127.0.0.1:9999/callback"],
    ["https instead of http", "v4-app", "https://127.0.0.1:9999/callback"],
    ["upper-case scheme", "v4-app", "HTTP://127.0.0.1:9999/callback"],
    ["[::1] for a 127.0.0.1 client", "v4-app", "http://[::1]:9999/callback"],
    ["localhost for a 127.0.0.1 client", "v4-app", "http://localhost:9999/callback"],
    ["127.0.0.1 for a [::1] client", "v6-app", "http://127.0.0.1:9999/cb"],
    ["the long form of ::1", "v6-app", "http://[0:0:0:0:0:0:0:1]:9999/cb"],
    ["another port for localhost (not an IP literal)", "localhost-app", "http://localhost:7001/cb"],
    ["127.0.0.1 for a localhost client", "localhost-app", "http://127.0.0.1:7000/cb"],
    ["127.1", "v4-app", "http://127.1:9999/callback"],
    ["127.0.0.2", "v4-app", "http://127.0.0.2:9999/callback"],
    ["a trailing dot", "v4-app", "http://127.0.0.1.:9999/callback"],
    ["port 0", "v4-app", "http://127.0.0.1:0/callback"],
    ["port 65536", "v4-app", "http://127.0.0.1:65536/callback"],
    ["a non-numeric port", "v4-app", "http://127.0.0.1:abc/callback"],
    ["a leading zero in the port", "v4-app", "http://127.0.0.1:09999/callback"],
    ["an empty port", "v4-app", "http://127.0.0.1:/callback"],
    ["demo-cli: any other path", CLIENT_ID, "http://127.0.0.1:9999/anything"],
    ["demo-cli: [::1] with a query", CLIENT_ID, "http://[::1]:1/anything?x"],
    ["demo-cli: the bare origin", CLIENT_ID, "http://127.0.0.1:5000"],
  ])("%s is refused (%s: %s)", async (_name, clientId, uri) => {
    expect(await accepted(clientId, uri)).toBe(false);
  });
});

describe("6. a credential change spends the reset links mailed before it", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      DEV_MAILBOX: "enabled",
      RATE_LIMIT_REGISTER_PER_IP: "100000/60",
      RATE_LIMIT_MAIL_PER_IP: "100000/60",
      RATE_LIMIT_MAIL_PER_EMAIL: "100000/60",
    });
  });
  afterAll(() => server?.stop());

  /** Asks for a reset link and reads its token from the development mailbox. */
  async function mailedResetToken(email: string): Promise<string> {
    const before = await server.db.devMail.count({ where: { to: email, subject: "Reset your password" } });
    const response = await fetch(`${server.url}/api/auth/password/forgot`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    expect(response.status).toBe(202);
    // Sent after the response went out (no timing oracle): wait for it.
    for (let i = 0; i < 100; i++) {
      const mails = await server.db.devMail.findMany({
        where: { to: email, subject: "Reset your password" },
        orderBy: { createdAt: "asc" },
      });
      if (mails.length > before) return /reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mails.at(-1)!.text)![1]!;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("no reset mail arrived");
  }

  const reset = (token: string, password: string) =>
    fetch(`${server.url}/api/auth/password/reset`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, password }),
    });

  it("a password change: every earlier link is refused, the password stays; a later link works", async () => {
    const account = await registerAccount(server);
    const first = await mailedResetToken(account.email);
    const second = await mailedResetToken(account.email);
    const changed = await postJson(server, account.jar, "/api/account/password", "POST", {
      currentPassword: account.password,
      newPassword: "the changed password",
    });
    expect(changed.status).toBe(200);
    for (const token of [first, second]) {
      const refused = await reset(token, "the attacker's password");
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe("invalid_token");
    }
    expect((await login(server.url, { email: account.email, password: "the changed password" })).response.status).toBe(
      200,
    );
    const later = await mailedResetToken(account.email);
    expect((await reset(later, "the owner's new password")).status).toBe(200);
  });

  it("a password reset: the other links of the account are spent with it", async () => {
    const account = await registerAccount(server);
    const first = await mailedResetToken(account.email);
    const second = await mailedResetToken(account.email);
    expect((await reset(second, "reset with the second link")).status).toBe(200);
    expect((await reset(first, "reset with the first link")).status).toBe(400);
  });

  it("a wrong current password changes nothing: the links still work", async () => {
    const account = await registerAccount(server);
    const token = await mailedResetToken(account.email);
    const refused = await postJson(server, account.jar, "/api/account/password", "POST", {
      currentPassword: "not the password",
      newPassword: "the changed password",
    });
    expect(refused.status).toBe(401);
    expect((await reset(token, "reset after a failed change")).status).toBe(200);
  });
});

describe("7. DBSC refresh without a credential: rate limited per address, nothing on the victim's log", () => {
  let server: TestServer;
  let key: DbscKey;
  let victim: { userId: string; sessionId: string };
  beforeAll(async () => {
    server = await startServer({ TRUST_PROXY: "x-forwarded-for", RATE_LIMIT_DBSC_REFRESH_PER_IP: "5/600" });
    // A session bound to a device key (registration itself is the dbsc tests' subject).
    key = await dbscKey();
    const account = await login(server.url, DEMO);
    expect(account.response.status).toBe(200);
    const session = await server.db.session.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    await server.db.session.update({
      where: { id: session.id },
      data: {
        dbscPublicKey: JSON.stringify(key.jwk),
        dbscAlgorithm: "ES256",
        dbscThumbprint: "t",
        dbscBoundAt: new Date(),
      },
    });
    victim = { userId: session.userId, sessionId: session.id };
  });
  afterAll(() => server?.stop());

  const dbscRefresh = (ip: string, sessionId: string, proof?: string) =>
    fetch(`${server.url}/api/auth/dbsc/refresh`, {
      method: "POST",
      headers: {
        "x-forwarded-for": ip,
        "sec-secure-session-id": sessionId,
        ...(proof ? { "secure-session-response": proof } : {}),
      },
    });

  const challengeOf = (response: Response) =>
    /^"([^"]+)";id="/.exec(response.headers.get("secure-session-challenge") ?? "")?.[1];

  it("challenges without a proof stop at the limit with 429 + Retry-After; no more challenge rows are written", async () => {
    const before = await server.db.dbscChallenge.count({ where: { sessionId: victim.sessionId } });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 9; i++) {
      last = await dbscRefresh("10.7.0.1", victim.sessionId);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429, 429, 429, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last!.json()).toEqual({ error: "rate_limited", message: expect.any(String) });
    expect(await server.db.dbscChallenge.count({ where: { sessionId: victim.sessionId } })).toBe(before + 5);
  });

  it("bad proofs write nothing to the victim's audit log and count against the address", async () => {
    const events = () => server.db.authEvent.count({ where: { userId: victim.userId } });
    const before = await events();
    const attacker = await dbscKey();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const proof = i % 2 === 0 ? await dbscProof(attacker, { jti: `made-up-challenge-${i}` }) : `not.a.jwt${i}`;
      statuses.push((await dbscRefresh("10.7.0.2", victim.sessionId, proof)).status);
    }
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(await events()).toBe(before);
  });

  it("unknown session ids count as well", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await dbscRefresh("10.7.0.4", crypto.randomUUID())).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[5]).toBe(429);
  });

  it("the browser's real flow still works from another address: challenge → signed proof → new access cookie", async () => {
    const asked = await dbscRefresh("10.7.0.3", victim.sessionId);
    expect(asked.status).toBe(403);
    const challenge = challengeOf(asked)!;
    const refreshed = await dbscRefresh("10.7.0.3", victim.sessionId, await dbscProof(key, { jti: challenge }));
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.getSetCookie().some((c) => c.startsWith("access_token="))).toBe(true);
  });
});

describe("10. a 401 after the session ended answers in the scheme of the request (RFC 9449 §7.1)", () => {
  let server: TestServer;
  let dpop: { key: DpopKey; token: string };
  let bearer: string;
  beforeAll(async () => {
    server = await startServer();
    await registerDemoClients(server.db);
    const jar = (await login(server.url, DEMO)).jar;
    const tokens = async (key?: DpopKey): Promise<TokenBody> => {
      const { verifier, challenge } = pkce();
      const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT }, jar);
      const tokenUrl = `${server.url}/api/oauth/token`;
      const response = await form(
        tokenUrl,
        {
          grant_type: "authorization_code",
          client_id: CLIENT_ID,
          code: redirect.searchParams.get("code")!,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
        },
        key ? { dpop: await key.proof("POST", tokenUrl) } : {},
      );
      expect(response.status).toBe(200);
      return (await response.json()) as TokenBody;
    };
    const key = await dpopKey();
    const bound = await tokens(key);
    expect(bound.token_type).toBe("DPoP");
    dpop = { key, token: bound.access_token };
    bearer = (await tokens()).access_token;
    // Both sessions end (revoked as a user would from the sessions page).
    await server.db.session.updateMany({ where: { clientId: CLIENT_ID }, data: { revokedAt: new Date() } });
  });
  afterAll(() => server?.stop());

  const json = (value: unknown) => ({ type: "application/json", text: JSON.stringify(value) });
  const PASSKEY = "/api/account/passkeys/00000000-0000-4000-8000-000000000000";
  // Every API route that answers for a signed-in user, with a body it would accept.
  const ROUTES: { method: string; path: string; body?: { type: string; text: string } }[] = [
    { method: "GET", path: "/api/me" },
    { method: "GET", path: "/api/sessions" },
    { method: "DELETE", path: "/api/sessions/00000000-0000-4000-8000-000000000000" },
    { method: "POST", path: "/api/sessions/revoke-others" },
    {
      method: "DELETE",
      path: "/api/account",
      body: { type: "application/json", text: JSON.stringify({ password: DEMO.password }) },
    },
    {
      method: "POST",
      path: "/api/account/password",
      body: {
        type: "application/json",
        text: JSON.stringify({ currentPassword: DEMO.password, newPassword: "another password" }),
      },
    },
    {
      method: "POST",
      path: "/api/oauth/device",
      body: { type: "application/x-www-form-urlencoded", text: "user_code=BCDF-GHJK&decision=approve" },
    },
    { method: "POST", path: "/api/demo/drop-access-token" },
    { method: "POST", path: "/api/demo/replay-refresh-token" },
    { method: "GET", path: "/api/demo/timeline" },
    // Issue 23: the second factor, step-up, passkeys and the change of address.
    ...["POST", "DELETE"].map((method) => ({ method, path: "/api/account/totp" })),
    { method: "POST", path: "/api/account/totp/confirm", body: json({ code: "123456" }) },
    { method: "POST", path: "/api/account/recovery-codes" },
    { method: "POST", path: "/api/auth/reauth", body: json({ password: DEMO.password }) },
    { method: "POST", path: "/api/auth/reauth/options" },
    { method: "POST", path: "/api/account/email", body: json({ newEmail: "new-address@example.com" }) },
    { method: "GET", path: "/api/account/passkeys" },
    { method: "POST", path: "/api/account/passkeys", body: json({}) },
    { method: "POST", path: "/api/account/passkeys/options" },
    { method: "PATCH", path: `${PASSKEY}`, body: json({ name: "renamed" }) },
    { method: "DELETE", path: `${PASSKEY}` },
  ];

  it("the list covers every route that checks the session (app/api/**/route.ts)", () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === "route.ts" && readFileSync(full, "utf8").includes("getCurrentSession(")) {
          found.push(
            `/${path.relative("app", path.dirname(full)).replace("[id]", "00000000-0000-4000-8000-000000000000")}`,
          );
        }
      }
    };
    walk("app/api");
    // The consent form's target answers a lost session with a 303 back to the consent page.
    const listed = new Set([...ROUTES.map((r) => r.path), "/api/oauth/authorize"]);
    expect(found.filter((p) => !listed.has(p))).toEqual([]);
  });

  it.each(ROUTES)("$method $path with a revoked DPoP session → 401, WWW-Authenticate: DPoP", async (route) => {
    const url = `${server.origin}${route.path}`;
    const response = await fetch(`${server.url}${route.path}`, {
      method: route.method,
      headers: {
        authorization: `DPoP ${dpop.token}`,
        dpop: await dpop.key.proof(route.method, url, { accessToken: dpop.token }),
        ...(route.body ? { "content-type": route.body.type } : {}),
      },
      body: route.body?.text,
      redirect: "manual",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token", algs="[^"]*ES256[^"]*"$/);
    expect(await response.json()).toEqual({ error: "unauthorized", message: expect.any(String) });
  });

  it.each(ROUTES)("$method $path with a revoked Bearer session → 401, WWW-Authenticate: Bearer", async (route) => {
    const response = await fetch(`${server.url}${route.path}`, {
      method: route.method,
      headers: { authorization: `Bearer ${bearer}`, ...(route.body ? { "content-type": route.body.type } : {}) },
      body: route.body?.text,
      redirect: "manual",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("a replayed DPoP proof on a live session is answered with DPoP error=invalid_dpop_proof", async () => {
    const key = await dpopKey();
    const jar = (await login(server.url, DEMO)).jar;
    const { verifier, challenge } = pkce();
    const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT }, jar);
    const tokenUrl = `${server.url}/api/oauth/token`;
    const issued = (await (
      await form(
        tokenUrl,
        {
          grant_type: "authorization_code",
          client_id: CLIENT_ID,
          code: redirect.searchParams.get("code")!,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
        },
        { dpop: await key.proof("POST", tokenUrl) },
      )
    ).json()) as TokenBody;
    const proof = await key.proof("GET", `${server.origin}/api/me`, { accessToken: issued.access_token });
    const headers = { authorization: `DPoP ${issued.access_token}`, dpop: proof };
    expect((await fetch(`${server.url}/api/me`, { headers })).status).toBe(200);
    const replay = await fetch(`${server.url}/api/me`, { headers });
    expect(replay.status).toBe(401);
    expect(replay.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof", algs="/);
  });
});

describe("12. the device page: a GET changes nothing; device authorization is throttled per address", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      TRUST_PROXY: "x-forwarded-for",
      RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: "3/600",
      RATE_LIMIT_REGISTER_PER_IP: "100000/60",
    });
    await registerDemoClients(server.db);
  });
  afterAll(() => server?.stop());

  const start = (ip: string) =>
    form(`${server.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID }, { "x-forwarded-for": ip });

  const decide = (jar: CookieJar, userCode: string, ip: string) =>
    fetch(
      `${server.url}/api/oauth/device`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url, "x-forwarded-for": ip },
        body: new URLSearchParams({ user_code: userCode, decision: "approve" }),
      }),
    );

  it("cross-site GETs of /device?user_code=WRONG spend no attempts: the user can still approve", async () => {
    const { user_code } = (await (await start("10.12.0.1")).json()) as { user_code: string };
    const { jar } = await registerAccount(server);
    for (let i = 0; i < 15; i++) {
      const response = await fetch(
        `${server.url}/device?user_code=BCDF-${"BCDFGHJKLM"[i % 10]}GHJ`,
        withCookies(jar, { headers: { "sec-fetch-site": "cross-site", "x-forwarded-for": "10.12.0.2" } }),
      );
      expect(response.status).toBe(200);
      expect(await response.text()).not.toContain("Too many wrong codes");
    }
    expect(await server.db.rateLimiterFlexible.count({ where: { key: { startsWith: "device-user-code" } } })).toBe(0);
    expect((await decide(jar, user_code, "10.12.0.2")).headers.get("location")).toContain("result=approved");
  });

  it("the device page's GET reveals nothing about a code it has not been sent by POST", async () => {
    const { user_code } = (await (await start("10.12.0.3")).json()) as { user_code: string };
    const { jar } = await registerAccount(server);
    const page = await (await fetch(`${server.url}/device?user_code=${user_code}`, withCookies(jar))).text();
    const wrong = await (await fetch(`${server.url}/device?user_code=BCDF-GHJK`, withCookies(jar))).text();
    // Neither says whether the code exists (no oracle without a counted attempt), and
    // neither offers Approve before the form's POST: the user confirms the code first.
    for (const html of [page, wrong]) {
      expect(html).not.toContain("Demo CLI");
      expect(html).not.toContain("not valid");
      expect(html).not.toContain(">Approve<");
    }
    expect(page).toContain(user_code);
  });

  it("the form's POST (a counted attempt) leads to the approval page; its ticket works for this session only", async () => {
    const { user_code } = (await (await start("10.12.0.7")).json()) as { user_code: string };
    const owner = await registerAccount(server);
    const sent = await fetch(
      `${server.url}/api/oauth/device`,
      withCookies(owner.jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
        body: new URLSearchParams({ user_code: user_code.toLowerCase() }),
      }),
    );
    expect(sent.status).toBe(303);
    const approval = new URL(sent.headers.get("location")!);
    expect(approval.pathname).toBe("/device");
    expect(approval.searchParams.get("user_code")).toBe(user_code);
    const page = await (await fetch(approval, withCookies(owner.jar))).text();
    expect(page).toContain("Demo CLI");
    expect(page).toContain(">Approve<");
    // Someone else's session with the same link: no lookup, nothing revealed.
    const other = await registerAccount(server);
    const foreign = await (await fetch(approval, withCookies(other.jar))).text();
    expect(foreign).not.toContain("Demo CLI");
    const forged = new URL(approval);
    forged.searchParams.set("ticket", "A".repeat(43));
    expect(await (await fetch(forged, withCookies(owner.jar))).text()).not.toContain("Demo CLI");
  });

  it("a wrong code POSTed by the form is counted and answered on the page", async () => {
    const { jar } = await registerAccount(server);
    const sent = await fetch(
      `${server.url}/api/oauth/device`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
        body: new URLSearchParams({ user_code: "BCDF-GHJK" }),
      }),
    );
    expect(sent.headers.get("location")).toMatch(/\/device\?result=invalid&user_code=/);
    const page = await (await fetch(sent.headers.get("location")!, withCookies(jar))).text();
    expect(page).toContain("not valid");
    expect(
      await server.db.rateLimiterFlexible.count({ where: { key: { startsWith: "device-user-code" } } }),
    ).toBeGreaterThan(0);
  });

  it("wrong codes POSTed by the form still count (RFC 8628 §5.1)", async () => {
    const { user_code } = (await (await start("10.12.0.4")).json()) as { user_code: string };
    const { jar } = await registerAccount(server);
    for (let i = 0; i < 10; i++) await decide(jar, `BCDF-${"BCDFGHJKLM"[i]}GHJ`, "10.12.0.5");
    expect((await decide(jar, user_code, "10.12.0.6")).headers.get("location")).not.toContain("result=approved");
  });

  it("POST /api/oauth/device_authorization: 429 rate_limited + Retry-After over the per-address limit", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await start("10.12.1.1");
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last!.json()).toEqual({
      error: "rate_limited",
      error_description: expect.any(String),
      message: expect.any(String),
    });
    expect((await start("10.12.1.2")).status).toBe(200);
  });
});

describe("14. the development mailbox never listens beyond loopback", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.cleanup());

  const outsideAddress = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

  function launch(port: number, args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, ["server.mjs", "-p", String(port), ...args], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        AUTH_SECRET: TEST_AUTH_SECRET,
        DATABASE_URL: database.url,
        APP_URL: `http://127.0.0.1:${port}`,
        HOSTNAME: undefined,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, exited, output: () => output };
  }

  const reachable = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });

  async function healthy(port: number, exited: Promise<number | null>): Promise<boolean> {
    let done = false;
    void exited.then(() => (done = true));
    for (let i = 0; i < 300 && !done; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return true;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  it("DEV_MAILBOX=enabled without -H: listens on 127.0.0.1 only", async () => {
    const port = await freePort();
    const server = launch(port, [], { DEV_MAILBOX: "enabled" });
    try {
      expect(await healthy(port, server.exited)).toBe(true);
      expect(server.output()).toContain(`http://127.0.0.1:${port}`);
      if (outsideAddress) expect(await reachable(outsideAddress, port)).toBe(false);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it.each([["-H", "0.0.0.0"], ["-H", "::"], ...(outsideAddress ? [["-H", outsideAddress]] : [])])(
    "DEV_MAILBOX=enabled with %s %s: refuses to start, saying why",
    async (...args) => {
      const port = await freePort();
      const server = launch(port, args, { DEV_MAILBOX: "enabled" });
      const code = await Promise.race([
        server.exited,
        new Promise<"running">((r) => setTimeout(() => r("running"), 30_000)),
      ]);
      if (code === "running") server.child.kill("SIGTERM");
      expect(code).not.toBe("running");
      expect(code).not.toBe(0);
      expect(server.output()).toContain("DEV_MAILBOX");
    },
  );

  it("without the mailbox, the default stays all interfaces (a deployment behind a proxy)", async () => {
    const port = await freePort();
    const server = launch(port, [], { DEV_MAILBOX: "disabled" });
    try {
      expect(await healthy(port, server.exited)).toBe(true);
      if (outsideAddress) expect(await reachable(outsideAddress, port)).toBe(true);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
