// The OAuth endpoints one by one, and the attacks on each: discovery (RFC 8414), code +
// PKCE (RFC 6749 §4.1, RFC 7636, RFC 9207), the device grant (RFC 8628), DPoP (RFC 9449),
// client binding, revocation (RFC 7009) and the RFC 6750 §3.1 challenges.
import { base64url, decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { forgeFor } from "../support/forge";
import { login, withCookies, type CookieJar } from "../support/http";
import { authorize, CLIENT_ID, dpopKey, form, pkce, registerDemoClients, type DpopKey } from "../support/oauth";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jar: CookieJar;
beforeAll(async () => {
  server = await startServer();
  await registerDemoClients(server.db);
  jar = (await login(server.url, DEMO)).jar;
});
afterAll(() => server?.stop());

type TokenBody = {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope?: string;
};

const REDIRECT = "http://127.0.0.1:8765/callback";
const tokenUrl = () => `${server.url}/api/oauth/token`;
const token = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  form(tokenUrl(), params, headers);

async function expectOAuthError(response: Response, status: number, error: string) {
  const body = (await response.json()) as { error: string; error_description: string };
  expect({ status: response.status, error: body.error }).toEqual({ status, error });
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(body.error_description.length).toBeGreaterThan(0);
}

/** A fresh code for demo-cli, with its verifier. */
async function code(options: { redirectUri?: string; clientId?: string } = {}) {
  const { verifier, challenge } = pkce();
  const redirect = await authorize(server.url, { challenge, redirectUri: options.redirectUri ?? REDIRECT }, jar);
  return { code: redirect.searchParams.get("code")!, verifier, redirect };
}

/** The token request that redeems a code from `code()` as demo-cli. */
const codeGrant = (c: { code: string; verifier: string }, redirectUri = REDIRECT) => ({
  grant_type: "authorization_code",
  client_id: CLIENT_ID,
  code: c.code,
  code_verifier: c.verifier,
  redirect_uri: redirectUri,
});

/** demo-cli's refresh request. */
const refreshGrant = (refreshToken: string) => ({
  grant_type: "refresh_token",
  client_id: CLIENT_ID,
  refresh_token: refreshToken,
});

async function codeTokens(dpop?: DpopKey): Promise<TokenBody> {
  const params = codeGrant(await code());
  const headers: Record<string, string> = dpop ? { dpop: await dpop.proof("POST", tokenUrl()) } : {};
  const response = await token(params, headers);
  expect(response.status).toBe(200);
  return (await response.json()) as TokenBody;
}

const me = (headers: Record<string, string>) => fetch(`${server.url}/api/me`, { headers });
const meUrl = () => `${server.url}/api/me`;

describe("discovery (RFC 8414)", () => {
  it("publishes the metadata at /.well-known/oauth-authorization-server with issuer = APP_URL", async () => {
    const response = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({
      issuer: server.origin,
      authorization_endpoint: `${server.origin}/oauth/authorize`,
      token_endpoint: `${server.origin}/api/oauth/token`,
      device_authorization_endpoint: `${server.origin}/api/oauth/device_authorization`,
      revocation_endpoint: `${server.origin}/api/oauth/revoke`,
      grant_types_supported: expect.arrayContaining([
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code",
        "refresh_token",
      ]),
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      dpop_signing_alg_values_supported: expect.arrayContaining(["ES256", "EdDSA"]),
      authorization_response_iss_parameter_supported: true,
    });
  });

  it.each(["openid-configuration", "oauth-protected-resource", "security.txt", "a/b/c", "OAUTH-AUTHORIZATION-SERVER"])(
    "any other /.well-known/%s is a JSON 404",
    async (name) => {
      const response = await fetch(`${server.url}/.well-known/${name}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: string }).error).toBe("not_found");
    },
  );

  it("keeps /.well-known/jwks.json", async () => {
    const response = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: expect.any(Array) });
  });
});

describe("token endpoint: requests and client identity", () => {
  it.each(["GET", "PUT", "DELETE"])("%s → 405 with Allow: POST", async (method) => {
    for (const path of ["token", "revoke", "device_authorization"]) {
      const response = await fetch(`${server.url}/api/oauth/${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
  });

  it("the password grant is off by default → unsupported_grant_type", async () => {
    const response = await token({ grant_type: "password", username: DEMO.email, password: DEMO.password });
    await expectOAuthError(response, 400, "unsupported_grant_type");
  });

  it.each(["grant_type", "client_id", "code", "code_verifier"])(
    "a repeated %s → invalid_request (RFC 6749 §3.2), and the code is not spent",
    async (name) => {
      const params = Object.entries(codeGrant(await code()));
      const repeated = params.find(([n]) => n === name)!;
      const response = await fetch(tokenUrl(), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams([...params, repeated]),
      });
      await expectOAuthError(response, 400, "invalid_request");
      expect((await token(Object.fromEntries(params))).status).toBe(200);
    },
  );

  it.each([
    ["a client_secret", { client_secret: "guess" }, {}],
    ["a client_assertion", { client_assertion: "x.y.z" }, {}],
    ["a Basic header", {}, { authorization: `Basic ${btoa(`${CLIENT_ID}:secret`)}` }],
    ["a Bearer header", {}, { authorization: "Bearer abc" }],
  ])("a public client sending %s → 401 invalid_client", async (_name, extra, headers) => {
    const response = await token({ ...codeGrant(await code()), ...extra }, headers);
    // RFC 6749 §5.2: a client that used the Authorization header gets a challenge.
    const challenge = response.headers.get("www-authenticate");
    if ("authorization" in headers) expect(challenge).toMatch(/^Basic /);
    else expect(challenge).toBeNull();
    await expectOAuthError(response, 401, "invalid_client");
  });

  it("an unknown client_id → 401 invalid_client", async () => {
    const response = await token({ ...codeGrant(await code()), client_id: "nobody" });
    await expectOAuthError(response, 401, "invalid_client");
  });
});

describe("authorization code + PKCE", () => {
  it("issues tokens for the client: client_id claim, scope echoed, session named after the client", async () => {
    const body = await codeTokens();
    expect(body).toMatchObject({ token_type: "Bearer", scope: "account" });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ client_id: CLIENT_ID, scope: "account" });
    expect(claims.cnf).toBeUndefined();
    const response = await fetch(`${server.url}/api/sessions`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    const { sessions } = (await response.json()) as { sessions: { current: boolean; device: { label: string } }[] };
    expect(sessions.find((s) => s.current)!.device.label).toBe("Demo CLI");
  });

  it("the redirect carries code, state and iss (RFC 9207)", async () => {
    const { redirect } = await code();
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT);
    expect(redirect.searchParams.get("state")).toBe("xyz");
    expect(redirect.searchParams.get("iss")).toBe(server.origin);
    expect(redirect.searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("stores only a hash of the code", async () => {
    const { code: value } = await code();
    const rows = await server.db.authorizationCode.findMany();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it("Deny redirects with error=access_denied, state and iss", async () => {
    const redirect = await authorize(server.url, { decision: "deny", redirectUri: REDIRECT }, jar);
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe("xyz");
    expect(redirect.searchParams.get("iss")).toBe(server.origin);
    expect(redirect.searchParams.get("code")).toBeNull();
  });

  it.each([
    ["plain", { code_challenge_method: "plain" }],
    ["no method", { code_challenge_method: undefined }],
    ["no challenge", { code_challenge: undefined }],
    ["a short challenge", { code_challenge: "abc" }],
    ["s256 in lower case", { code_challenge_method: "s256" }],
  ])("PKCE downgrade at the authorize page (%s) → error=invalid_request on the redirect", async (_n, change) => {
    const params: Record<string, string | undefined> = {
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
      state: "s1",
      ...change,
    };
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    const response = await fetch(`${server.url}/oauth/authorize?${query}`, withCookies(jar));
    expect(response.status).toBeGreaterThanOrEqual(302);
    expect(response.status).toBeLessThan(400);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("state")).toBe("s1");
  });

  it.each(["code_challenge", "scope", "state", "response_type"])(
    "a repeated %s at the authorize page → error=invalid_request (RFC 6749 §3.1)",
    async (name) => {
      const params: [string, string][] = [
        ["client_id", CLIENT_ID],
        ["redirect_uri", REDIRECT],
        ["response_type", "code"],
        ["code_challenge", pkce().challenge],
        ["code_challenge_method", "S256"],
        ["scope", "account"],
        ["state", "s1"],
      ];
      const repeated: [string, string] = [name, name === "code_challenge" ? pkce().challenge : "code"];
      const query = new URLSearchParams([...params, repeated]);
      const response = await fetch(`${server.url}/oauth/authorize?${query}`, withCookies(jar));
      const location = new URL(response.headers.get("location")!);
      expect(location.origin + location.pathname).toBe(REDIRECT);
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("code")).toBeNull();
    },
  );

  it("the consent form refuses the same downgrade (it checks again)", async () => {
    const redirect = await authorize(server.url, { method: "plain", redirectUri: REDIRECT }, jar);
    expect(redirect.searchParams.get("error")).toBe("invalid_request");
    expect(redirect.searchParams.get("code")).toBeNull();
  });

  it("PKCE downgrade at the token endpoint: missing or wrong verifier → refused", async () => {
    const { code: value, verifier } = await code();
    const base = { grant_type: "authorization_code", client_id: CLIENT_ID, code: value, redirect_uri: REDIRECT };
    await expectOAuthError(await token(base), 400, "invalid_request");
    await expectOAuthError(await token({ ...base, code_verifier: pkce().verifier }), 400, "invalid_grant");
    // The challenge itself as the verifier ("plain" downgrade).
    const challenge = (await server.db.authorizationCode.findFirst({ orderBy: { createdAt: "desc" } }))!.codeChallenge;
    await expectOAuthError(await token({ ...base, code_verifier: challenge }), 400, "invalid_grant");
    expect((await token({ ...base, code_verifier: verifier })).status).toBe(200);
  });

  it("code replay: the second use fails and revokes what the first issued (RFC 6749 §4.1.2)", async () => {
    const params = codeGrant(await code());
    const first = (await (await token(params)).json()) as TokenBody;
    expect((await me({ authorization: `Bearer ${first.access_token}` })).status).toBe(200);
    await expectOAuthError(await token(params), 400, "invalid_grant");
    expect((await me({ authorization: `Bearer ${first.access_token}` })).status).toBe(401);
    await expectOAuthError(await token(refreshGrant(first.refresh_token)), 400, "invalid_grant");
  });

  it("an expired code (older than 60 s) → invalid_grant", async () => {
    const params = codeGrant(await code());
    await server.db.authorizationCode.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectOAuthError(await token(params), 400, "invalid_grant");
  });

  it.each([
    ["another port", "http://127.0.0.1:8766/callback"],
    ["another path", "http://127.0.0.1:8765/other"],
    ["a query added", `${REDIRECT}?x=1`],
    ["none", undefined],
  ])("redirect_uri mismatch at the token endpoint (%s) → invalid_grant", async (_n, redirectUri) => {
    const { code: value, verifier } = await code();
    const params: Record<string, string> = {
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      code: value,
      code_verifier: verifier,
    };
    if (redirectUri) params.redirect_uri = redirectUri;
    await expectOAuthError(await token(params), 400, "invalid_grant");
  });

  it.each([
    "http://localhost:8765/callback",
    "https://127.0.0.1:8765/callback",
    "http://127.0.0.2:8765/callback",
    "http://127.1:8765/callback",
    "http://user@127.0.0.1:8765/callback",
    "http://127.0.0.1:8765/callback#frag",
    "https://attacker.example/callback",
    "http://[::2]:8765/callback",
    "javascript:alert(1)",
  ])("an untrusted redirect URI (%s) gets a page, never a redirect", async (redirectUri) => {
    const query = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: redirectUri,
      response_type: "code",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    const response = await fetch(`${server.url}/oauth/authorize?${query}`, withCookies(jar));
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("has not registered");
  });

  it("loopback redirects on any port, [::1] included (RFC 8252 §7.3)", async () => {
    for (const redirectUri of [
      "http://127.0.0.1:1/callback",
      "http://[::1]:54321/callback",
      "http://127.0.0.1:65535/callback",
    ]) {
      const issued = await code({ redirectUri });
      expect(issued.redirect.href.startsWith(redirectUri)).toBe(true);
      const response = await token(codeGrant(issued, redirectUri));
      expect(response.status).toBe(200);
    }
  });

  it("wrong client: a code issued to demo-cli is refused to other-app, and stays usable", async () => {
    const { code: value, verifier } = await code();
    const params = { grant_type: "authorization_code", code: value, code_verifier: verifier, redirect_uri: REDIRECT };
    await expectOAuthError(await token({ ...params, client_id: "other-app" }), 400, "invalid_grant");
    expect((await token({ ...params, client_id: CLIENT_ID })).status).toBe(200);
  });

  it("an unknown scope → error=invalid_scope on the redirect", async () => {
    const redirect = await authorize(server.url, { scope: "admin", redirectUri: REDIRECT }, jar);
    expect(redirect.searchParams.get("error")).toBe("invalid_scope");
  });

  it("a signed-out visit is sent through sign-in and back", async () => {
    const query = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT, response_type: "code" });
    const response = await fetch(`${server.url}/oauth/authorize?${query}`, { redirect: "manual" });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!, server.url);
    expect(location.pathname).toBe("/api/auth/refresh");
    expect(location.searchParams.get("next")).toBe(`/oauth/authorize?${query}`);
  });

  it("a cross-site consent post is refused (CSRF)", async () => {
    const response = await fetch(
      `${server.url}/api/oauth/authorize`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://attacker.example" },
        body: new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT, decision: "approve" }),
      }),
    );
    expect(response.status).toBe(403);
  });
});

describe("refresh tokens are bound to their client", () => {
  it("refreshes as its own client, echoing the scope; refused to another or to none", async () => {
    const issued = await codeTokens();
    const refresh = (extra: Record<string, string>) =>
      token({ grant_type: "refresh_token", refresh_token: issued.refresh_token, ...extra });
    await expectOAuthError(await refresh({ client_id: "other-app" }), 400, "invalid_grant");
    await expectOAuthError(await refresh({}), 400, "invalid_grant");
    await expectOAuthError(await refresh({ client_id: CLIENT_ID, scope: "account admin" }), 400, "invalid_scope");
    const response = await refresh({ client_id: CLIENT_ID });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: "Bearer", scope: "account" });
  });
});

describe("device authorization grant (RFC 8628)", () => {
  const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";
  type DeviceBody = {
    device_code: string;
    user_code: string;
    verification_uri: string;
    verification_uri_complete: string;
    expires_in: number;
    interval: number;
  };

  async function start(clientId: string = CLIENT_ID): Promise<DeviceBody> {
    const response = await form(`${server.url}/api/oauth/device_authorization`, { client_id: clientId });
    expect(response.status).toBe(200);
    return (await response.json()) as DeviceBody;
  }

  const poll = (deviceCode: string, clientId: string = CLIENT_ID) =>
    token({ grant_type: DEVICE, device_code: deviceCode, client_id: clientId });

  // Lets the next poll through without waiting out the interval.
  const pastInterval = () =>
    server.db.deviceAuthorization.updateMany({ data: { lastPolledAt: new Date(Date.now() - 3_600_000) } });

  const decide = (userCode: string, decision: "approve" | "deny") =>
    fetch(
      `${server.url}/api/oauth/device`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
        body: new URLSearchParams({ user_code: userCode, decision }),
      }),
    );

  it("answers §3.2: short unambiguous user code, verification URIs, expiry, interval", async () => {
    const body = await start();
    expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(body.verification_uri).toBe(`${server.origin}/device`);
    expect(body.verification_uri_complete).toBe(
      `${server.origin}/device?user_code=${encodeURIComponent(body.user_code)}`,
    );
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.interval).toBe(5);
    expect(JSON.stringify(await server.db.deviceAuthorization.findMany())).not.toContain(body.device_code);
  });

  it("unknown client → invalid_client; a secret → invalid_client", async () => {
    await expectOAuthError(
      await form(`${server.url}/api/oauth/device_authorization`, { client_id: "x" }),
      401,
      "invalid_client",
    );
    const withSecret = await form(`${server.url}/api/oauth/device_authorization`, {
      client_id: CLIENT_ID,
      client_secret: "s",
    });
    await expectOAuthError(withSecret, 401, "invalid_client");
  });

  it("pending, then slow_down when polling too fast, then tokens after approval", async () => {
    const body = await start();
    await expectOAuthError(await poll(body.device_code), 400, "authorization_pending");
    await expectOAuthError(await poll(body.device_code), 400, "slow_down");
    const row = await server.db.deviceAuthorization.findFirstOrThrow({
      where: { userCode: body.user_code.replace("-", "") },
    });
    expect(row.intervalSeconds).toBe(10);
    expect((await decide(body.user_code, "approve")).status).toBe(303);
    await pastInterval();
    const response = await poll(body.device_code);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as TokenBody;
    expect(decodeJwt(tokens.access_token).client_id).toBe(CLIENT_ID);
    // The device code is single use.
    await pastInterval();
    await expectOAuthError(await poll(body.device_code), 400, "invalid_grant");
  });

  it("Deny → access_denied", async () => {
    const body = await start();
    await decide(body.user_code.toLowerCase(), "deny");
    await expectOAuthError(await poll(body.device_code), 400, "access_denied");
  });

  it("an expired device code → expired_token, and it can no longer be approved", async () => {
    const body = await start();
    await server.db.deviceAuthorization.updateMany({
      where: { userCode: body.user_code.replace("-", "") },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const answer = await decide(body.user_code, "approve");
    expect(answer.headers.get("location")).toContain("result=expired");
    await expectOAuthError(await poll(body.device_code), 400, "expired_token");
  });

  it("polling with another client's id → invalid_grant", async () => {
    const body = await start();
    await decide(body.user_code, "approve");
    await pastInterval();
    await expectOAuthError(await poll(body.device_code, "other-app"), 400, "invalid_grant");
  });

  it("wrong user codes are limited per user (§5.1)", async () => {
    const { jar: other } = await login(server.url, DEMO);
    // The device page's code form: its POST is the counted lookup (a GET changes nothing,
    // issue 22 finding 12); the answer is a redirect to the page with the outcome.
    const page = async (code: string) => {
      const sent = await fetch(
        `${server.url}/api/oauth/device`,
        withCookies(other, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
          body: new URLSearchParams({ user_code: code }),
        }),
      );
      return (await fetch(new URL(sent.headers.get("location")!, server.url), withCookies(other))).text();
    };
    // The address counter is shared with the earlier tests' wrong codes, so the limit
    // may come sooner than the tenth; it must come by then.
    expect(await page("BBBB-BBBB")).toContain("not valid");
    for (let i = 1; i < 10; i++) expect(await page("BBBB-BBBB")).toMatch(/not valid|Too many wrong codes/);
    const body = await start();
    expect(await page(body.user_code)).toContain("Too many wrong codes");
  });
});

describe("DPoP (RFC 9449)", () => {
  it("a proof at the token endpoint binds the tokens: token_type DPoP, cnf.jkt", async () => {
    const key = await dpopKey();
    const body = await codeTokens(key);
    expect(body.token_type).toBe("DPoP");
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it("protected API: the proof works, the same token as Bearer is refused, a replayed proof is refused", async () => {
    const key = await dpopKey("EdDSA");
    const { access_token } = await codeTokens(key);
    const proof = await key.proof("GET", meUrl(), { accessToken: access_token });
    expect((await me({ authorization: `DPoP ${access_token}`, dpop: proof })).status).toBe(200);
    const asBearer = await me({ authorization: `Bearer ${access_token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    const replay = await me({ authorization: `DPoP ${access_token}`, dpop: proof });
    expect(replay.status).toBe(401);
  });

  it("the proof's jti is kept in the database with an expiry (the cross-instance check is tests/cluster/oauth.test.ts)", async () => {
    const key = await dpopKey();
    const { access_token } = await codeTokens(key);
    const before = new Date();
    const proof = await key.proof("GET", meUrl(), { accessToken: access_token });
    expect((await me({ authorization: `DPoP ${access_token}`, dpop: proof })).status).toBe(200);
    const rows = await server.db.dpopProofJti.findMany({ where: { expiresAt: { gt: before } } });
    expect(rows.length).toBeGreaterThan(0);
    // Nothing of the proof itself is stored, only a hash of key + jti.
    expect(JSON.stringify(rows)).not.toContain(decodeJwt(proof).jti as string);
  });

  const badProofs: [string, (key: DpopKey, token: string) => Promise<string>][] = [
    ["wrong htu", (k, t) => k.proof("GET", `${server.url}/api/sessions`, { accessToken: t })],
    ["htu on another origin", (k, t) => k.proof("GET", "https://attacker.example/api/me", { accessToken: t })],
    ["wrong htm", (k, t) => k.proof("POST", meUrl(), { accessToken: t })],
    ["wrong ath", (k) => k.proof("GET", meUrl(), { accessToken: "another-token" })],
    ["no ath", (k) => k.proof("GET", meUrl())],
    [
      "old iat",
      (k, t) => k.proof("GET", meUrl(), { accessToken: t, claims: { iat: Math.floor(Date.now() / 1000) - 600 } }),
    ],
    [
      "future iat",
      (k, t) => k.proof("GET", meUrl(), { accessToken: t, claims: { iat: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    ["no jti", (k, t) => k.proof("GET", meUrl(), { accessToken: t, claims: { jti: undefined } })],
    ["wrong typ", (k, t) => k.proof("GET", meUrl(), { accessToken: t, header: { typ: "JWT" } })],
    ["a private key in jwk", (k, t) => k.proof("GET", meUrl(), { accessToken: t, header: { jwk: k.privateJwk } })],
    ["another key", async (_k, t) => (await dpopKey()).proof("GET", meUrl(), { accessToken: t })],
    [
      "alg none",
      async (k, t) => {
        const header = base64url.encode(JSON.stringify({ alg: "none", typ: "dpop+jwt", jwk: k.publicJwk }));
        const payload = base64url.encode(
          JSON.stringify({
            htm: "GET",
            htu: meUrl(),
            jti: "none-1",
            iat: Math.floor(Date.now() / 1000),
            ath: base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t)))),
          }),
        );
        return `${header}.${payload}.`;
      },
    ],
    ["garbage", async () => "not-a-jwt"],
  ];

  it.each(badProofs)("protected API refuses a proof with %s → 401 invalid_dpop_proof", async (_name, make) => {
    const key = await dpopKey();
    const { access_token } = await codeTokens(key);
    const response = await me({ authorization: `DPoP ${access_token}`, dpop: await make(key, access_token) });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
    // The token itself is fine: with a good proof it works.
    const good = await key.proof("GET", meUrl(), { accessToken: access_token });
    expect((await me({ authorization: `DPoP ${access_token}`, dpop: good })).status).toBe(200);
  });

  const badTokenProofs: [string, (key: DpopKey) => Promise<string>][] = [
    ["wrong htu", (k) => k.proof("POST", `${server.url}/api/oauth/revoke`)],
    ["wrong htm", (k) => k.proof("GET", tokenUrl())],
    ["old iat", (k) => k.proof("POST", tokenUrl(), { claims: { iat: Math.floor(Date.now() / 1000) - 600 } })],
    ["a private key in jwk", (k) => k.proof("POST", tokenUrl(), { header: { jwk: k.privateJwk } })],
    [
      "alg none",
      async (k) =>
        `${base64url.encode(JSON.stringify({ alg: "none", typ: "dpop+jwt", jwk: k.publicJwk }))}.${base64url.encode(
          JSON.stringify({ htm: "POST", htu: tokenUrl(), jti: "n", iat: Math.floor(Date.now() / 1000) }),
        )}.`,
    ],
    ["an ath without a token", (k) => k.proof("POST", tokenUrl(), { accessToken: "x" })],
  ];

  it.each(badTokenProofs)(
    "token endpoint refuses a proof with %s → invalid_dpop_proof, code not spent",
    async (_n, make) => {
      const key = await dpopKey();
      const params = codeGrant(await code());
      await expectOAuthError(await token(params, { dpop: await make(key) }), 400, "invalid_dpop_proof");
      expect((await token(params, { dpop: await key.proof("POST", tokenUrl()) })).status).toBe(200);
    },
  );

  it("token endpoint refuses a replayed proof (jti)", async () => {
    const key = await dpopKey();
    const proof = await key.proof("POST", tokenUrl());
    const first = await code();
    expect((await token(codeGrant(first), { dpop: proof })).status).toBe(200);
    await expectOAuthError(await token(codeGrant(await code()), { dpop: proof }), 400, "invalid_dpop_proof");
  });

  it("a DPoP-bound refresh token refreshes only with a proof of the same key", async () => {
    const key = await dpopKey();
    const issued = await codeTokens(key);
    const refresh = (headers: Record<string, string>) => token(refreshGrant(issued.refresh_token), headers);
    await expectOAuthError(await refresh({}), 400, "invalid_dpop_proof");
    const thief = await dpopKey();
    await expectOAuthError(await refresh({ dpop: await thief.proof("POST", tokenUrl()) }), 400, "invalid_dpop_proof");
    const response = await refresh({ dpop: await key.proof("POST", tokenUrl()) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    expect(body.token_type).toBe("DPoP");
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });
});

describe("challenges (RFC 6750 §3.1, RFC 9449 §7.1)", () => {
  it("no credentials: a challenge without an error code", async () => {
    const response = await fetch(meUrl());
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer\b/);
    expect(challenge).toMatch(/DPoP algs="[^"]*ES256/);
    expect(challenge).not.toContain("error=");
  });

  it.each(["bearer", "BEARER", "Bearer"])("the auth scheme is case-insensitive (%s)", async (scheme) => {
    const { access_token } = await codeTokens();
    expect((await me({ authorization: `${scheme} ${access_token}` })).status).toBe(200);
  });

  it("the device form checks a DPoP proof's htm/htu like any API (a proof for GET /api/me is refused)", async () => {
    const key = await dpopKey();
    const { access_token } = await codeTokens(key);
    const proof = await key.proof("GET", meUrl(), { accessToken: access_token });
    const response = await fetch(`${server.url}/api/oauth/device`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `DPoP ${access_token}`,
        dpop: proof,
      },
      body: new URLSearchParams({ user_code: "BCDF-GHJK", decision: "approve" }),
      redirect: "manual",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it("an unbound token sent with the DPoP scheme is refused", async () => {
    const { access_token } = await codeTokens();
    const key = await dpopKey();
    const proof = await key.proof("GET", meUrl(), { accessToken: access_token });
    expect((await me({ authorization: `DPoP ${access_token}`, dpop: proof })).status).toBe(401);
  });
});

describe("revocation (RFC 7009)", () => {
  const revoke = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    form(`${server.url}/api/oauth/revoke`, params, headers);

  it("answers 200 with a JSON {} and Content-Type", async () => {
    const response = await revoke({ token: "unknown", client_id: CLIENT_ID });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
  });

  it("an expired but genuine access token still revokes its session", async () => {
    const issued = await codeTokens();
    const claims = decodeJwt(issued.access_token);
    const forge = await forgeFor(server.origin, { userId: claims.sub!, sessionId: claims.sid as string });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await forge.signed({ iat: past, exp: past + 600, client_id: CLIENT_ID });
    expect((await me({ authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await revoke({ token: expired, client_id: CLIENT_ID })).status).toBe(200);
    await expectOAuthError(await token(refreshGrant(issued.refresh_token)), 400, "invalid_grant");
  });

  it("a forged access token (wrong key) revokes nothing", async () => {
    const issued = await codeTokens();
    const claims = decodeJwt(issued.access_token);
    const forge = await forgeFor(server.origin, { userId: claims.sub!, sessionId: claims.sid as string });
    const forged = await forge.signed({}, {}, new TextEncoder().encode("x".repeat(48)));
    await revoke({ token: forged, client_id: CLIENT_ID });
    expect((await me({ authorization: `Bearer ${issued.access_token}` })).status).toBe(200);
  });

  it("a client cannot revoke another client's token", async () => {
    const issued = await codeTokens();
    expect((await revoke({ token: issued.refresh_token, client_id: "other-app" })).status).toBe(200);
    expect((await me({ authorization: `Bearer ${issued.access_token}` })).status).toBe(200);
  });

  it("a secret or Basic header → invalid_client", async () => {
    await expectOAuthError(
      await revoke({ token: "t", client_id: CLIENT_ID, client_secret: "s" }),
      401,
      "invalid_client",
    );
    await expectOAuthError(await revoke({ token: "t" }, { authorization: "Basic eDp5" }), 401, "invalid_client");
  });
});
