// Every credential × every door × every binding, through the real routes of a real HTTPS
// server (issue 22). The doors are those of lib/auth/bindings.ts (DOORS); what each must
// accept is written out below from the security requirements, not read from that module,
// and a door added to the module without a row here fails the first test.
//
// A refusal must change nothing: the token is not spent, the session is not revoked, and
// its holder can still use it at its own door afterwards.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOORS, LINK_RULES } from "../../lib/auth/bindings";
import { issueEmailToken } from "../../lib/auth/recovery/email-tokens";
import { issueChallenge } from "../../lib/auth/dbsc/challenges";
import { DEMO } from "../support/database";
import { dbscKey, dbscProof } from "../support/dbsc";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { authorize, CLIENT_ID, dpopKey, form, pkce, registerDemoClients, type DpopKey } from "../support/oauth";
import { startServer, trustDevelopmentCertificate, type TestServer } from "../support/server";

// The server's certificate is the self-signed development one.
trustDevelopmentCertificate();

const ACCESS = "__Host-access_token";
const REFRESH = "__Secure-refresh_token";
const REDIRECT = "http://127.0.0.1:8765/callback";

let server: TestServer;
beforeAll(async () => {
  // The matrix makes a few hundred sign-ins and refusals from one address; the limits
  // have their own tests (rate-limits.test.ts), here they would only turn 401s into 429s.
  const limits = {
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "10000/900",
    RATE_LIMIT_LOGIN_PER_IP: "10000/900",
    RATE_LIMIT_REGISTER_PER_IP: "1000/3600",
    RATE_LIMIT_REFRESH_FAILURES_PER_IP: "10000/60",
  };
  server = await startServer(
    { OAUTH_PASSWORD_GRANT: "enabled", ADMIN_EMAILS: "matrix-admin@example.com", ...limits },
    { https: true },
  );
  await registerDemoClients(server.db);
});
afterAll(() => server?.stop());

const KINDS = ["browser", "password grant", "demo-cli", "demo-cli + DPoP"] as const;
type Kind = (typeof KINDS)[number];

/** Someone holding one session's credentials, as the product hands them out. */
type Holder = {
  kind: Kind;
  sessionId: string;
  refresh: string;
  access: string;
  /** The DPoP key the session is bound to, if any. */
  key: DpopKey | null;
  /** The client_id its token requests carry (none for the browser and the password grant). */
  clientId: string | null;
  /** The DBSC challenge the sign-in offered (browser only). */
  challenge: string | null;
};

const tokenUrl = () => `${server.url}/api/oauth/token`;
const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

async function tokenJson(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

async function sessionOf(refresh: string): Promise<string> {
  const row = await server.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256(refresh) } });
  return row.sessionId;
}

async function holder(kind: Kind, user = DEMO): Promise<Holder> {
  if (kind === "browser") {
    const { response, jar } = await login(server.url, user);
    expect(response.status).toBe(200);
    const offer = response.headers.get("secure-session-registration") ?? "";
    const refresh = jar.get(REFRESH)!;
    return {
      kind,
      refresh,
      access: jar.get(ACCESS)!,
      sessionId: await sessionOf(refresh),
      key: null,
      clientId: null,
      challenge: /challenge="([^"]+)"/.exec(offer)?.[1] ?? null,
    };
  }
  if (kind === "password grant") {
    const body = await tokenJson(
      await form(tokenUrl(), { grant_type: "password", username: user.email, password: user.password }),
    );
    const sessionId = await sessionOf(body.refresh_token);
    return {
      kind,
      refresh: body.refresh_token,
      access: body.access_token,
      sessionId,
      key: null,
      clientId: null,
      challenge: null,
    };
  }
  const key = kind === "demo-cli + DPoP" ? await dpopKey() : null;
  const { verifier, challenge } = pkce();
  const jar = (await login(server.url, user)).jar;
  const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT }, jar);
  const params = {
    grant_type: "authorization_code",
    client_id: CLIENT_ID,
    code: redirect.searchParams.get("code")!,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
  };
  const headers: Record<string, string> = key ? { dpop: await key.proof("POST", tokenUrl()) } : {};
  const body = await tokenJson(await form(tokenUrl(), params, headers));
  const sessionId = await sessionOf(body.refresh_token);
  return {
    kind,
    refresh: body.refresh_token,
    access: body.access_token,
    sessionId,
    key,
    clientId: CLIENT_ID,
    challenge: null,
  };
}

/** Nothing was spent or ended: the token is unused and the session alive. */
async function expectUntouched(h: Holder) {
  const token = await server.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256(h.refresh) } });
  const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
  expect({ usedAt: token.usedAt, revokedAt: session.revokedAt }).toEqual({ usedAt: null, revokedAt: null });
}

/** The holder's own, rightful refresh: must still work after any refusal. */
async function ownRefresh(h: Holder): Promise<number> {
  if (h.kind === "browser") return (await cookieRefreshPost(h.refresh)).status;
  const params: Record<string, string> = { grant_type: "refresh_token", refresh_token: h.refresh };
  if (h.clientId) params.client_id = h.clientId;
  const headers: Record<string, string> = h.key ? { dpop: await h.key.proof("POST", tokenUrl()) } : {};
  return (await form(tokenUrl(), params, headers)).status;
}

const cookieRefreshPost = (refresh: string) =>
  fetch(`${server.url}/api/auth/refresh`, { method: "POST", headers: { cookie: `${REFRESH}=${refresh}` } });
const cookieRefreshGet = (refresh: string) =>
  fetch(`${server.url}/api/auth/refresh?next=/dashboard`, {
    headers: { cookie: `${REFRESH}=${refresh}` },
    redirect: "manual",
  });

// ---------------------------------------------------------------------------------------
// The requirements: which credential each door takes (issue 22, docs/decisions/0015-one-binding-decision.md).

type ClientVariant = "own client" | "other client" | "no client_id";
type KeyVariant = "holder's key" | "another key" | "no proof";

const ownClient = (kind: Kind) => (kind === "browser" || kind === "password grant" ? null : CLIENT_ID);
const clientIdFor = (kind: Kind, variant: ClientVariant): string | null =>
  variant === "own client"
    ? ownClient(kind)
    : variant === "other client"
      ? ownClient(kind)
        ? "other-app"
        : CLIENT_ID
      : null;

function tokenEndpointAccepts(kind: Kind, client: ClientVariant, key: KeyVariant): boolean {
  if (kind === "browser") return false; // a browser's refresh cookie is no token-API credential
  if (clientIdFor(kind, client) !== ownClient(kind)) return false;
  // A DPoP-bound session needs its key; an unbound one is bound by the first proof (RFC 9449 §5).
  return kind === "demo-cli + DPoP" ? key === "holder's key" : true;
}

const CLIENTS: ClientVariant[] = ["own client", "other client", "no client_id"];
const KEYS: KeyVariant[] = ["holder's key", "another key", "no proof"];

it("has a row of cases for every door of lib/auth/bindings.ts", () => {
  const covered = [
    "cookie_refresh",
    "token_refresh",
    "token_revocation",
    "dbsc_register",
    "dbsc_refresh",
    "resource",
    "reauth",
    "account_credentials",
  ];
  expect([...DOORS].sort()).toEqual(covered.sort());
});

describe("refresh tokens at the cookie refresh route (POST and GET ?next=)", () => {
  const cases = KINDS.flatMap((kind) => (["POST", "GET"] as const).map((method) => ({ kind, method })));
  it.each(cases)("$kind refresh token, $method", async ({ kind, method }) => {
    const h = await holder(kind);
    const accepted = kind === "browser";
    if (method === "POST") {
      const response = await cookieRefreshPost(h.refresh);
      expect(response.status).toBe(accepted ? 200 : 401);
      if (!accepted) expect((await response.json()).error).toBe("invalid_refresh_token");
    } else {
      const response = await cookieRefreshGet(h.refresh);
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get("location")!, server.url).pathname).toBe(accepted ? "/dashboard" : "/login");
    }
    if (!accepted) {
      await expectUntouched(h);
      expect(await ownRefresh(h)).toBe(200);
    }
  });
});

describe("refresh tokens at the token endpoint (client × DPoP key)", () => {
  const cases = KINDS.flatMap((kind) => CLIENTS.flatMap((client) => KEYS.map((key) => ({ kind, client, key }))));
  it.each(cases)("$kind refresh token, $client, $key", async ({ kind, client, key }) => {
    const h = await holder(kind);
    const params: Record<string, string> = { grant_type: "refresh_token", refresh_token: h.refresh };
    const clientId = clientIdFor(kind, client);
    if (clientId) params.client_id = clientId;
    const prover =
      key === "holder's key" ? (h.key ?? (await dpopKey())) : key === "another key" ? await dpopKey() : null;
    const headers: Record<string, string> = prover ? { dpop: await prover.proof("POST", tokenUrl()) } : {};
    const response = await form(tokenUrl(), params, headers);
    const body = (await response.json()) as { error?: string; token_type?: string };
    if (tokenEndpointAccepts(kind, client, key)) {
      expect(response.status).toBe(200);
      expect(body.token_type).toBe(prover ? "DPoP" : "Bearer");
      // From a refresh with a proof on, the session is bound to that key (docs/decisions/0016-dpop-binds-on-first-proof.md).
      const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
      expect(session.dpopJkt).toBe(prover?.jkt ?? null);
    } else {
      expect(response.status).toBe(400);
      const expectedError =
        kind === "demo-cli + DPoP" && clientId === CLIENT_ID ? "invalid_dpop_proof" : "invalid_grant";
      expect(body.error).toBe(expectedError);
      await expectUntouched(h);
      expect(await ownRefresh(h)).toBe(200);
    }
  });

  // RFC 6749 §5.2: a client the server does not know failed client authentication.
  it.each(KINDS)("%s refresh token with an unknown client_id → 401 invalid_client, nothing spent", async (kind) => {
    const h = await holder(kind);
    const response = await form(tokenUrl(), {
      grant_type: "refresh_token",
      refresh_token: h.refresh,
      client_id: "no-such-app",
    });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toBe("invalid_client");
    await expectUntouched(h);
  });
});

describe("refresh tokens at the revocation endpoint (RFC 7009 §2.1: a client revokes only its own)", () => {
  const cases = KINDS.flatMap((kind) => CLIENTS.map((client) => ({ kind, client })));
  it.each(cases)("$kind refresh token, $client", async ({ kind, client }) => {
    const h = await holder(kind);
    const params: Record<string, string> = { token: h.refresh };
    const clientId = clientIdFor(kind, client);
    if (clientId) params.client_id = clientId;
    const response = await form(`${server.url}/api/oauth/revoke`, params);
    expect(response.status).toBe(200);
    const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    const accepted = kind !== "browser" && clientId === ownClient(kind);
    expect(session.revokedAt !== null).toBe(accepted);
  });
});

describe("access tokens at resource routes (cookie, Bearer, DPoP)", () => {
  const PRESENTATIONS = ["cookie", "Bearer", "DPoP, holder's key", "DPoP, another key"] as const;
  const ROUTES = ["/api/me", "/api/sessions", "/api/demo/timeline"];
  const holders = new Map<Kind, Holder>();
  beforeAll(async () => {
    for (const kind of KINDS) holders.set(kind, await holder(kind));
  });

  function accepts(kind: Kind, presentation: (typeof PRESENTATIONS)[number]): boolean {
    if (kind === "browser") return presentation === "cookie";
    if (kind === "demo-cli + DPoP") return presentation === "DPoP, holder's key";
    return presentation === "Bearer";
  }

  const cases = KINDS.flatMap((kind) =>
    PRESENTATIONS.flatMap((presentation) => ROUTES.map((route) => ({ kind, presentation, route }))),
  );
  it.each(cases)("$kind access token as $presentation at $route", async ({ kind, presentation, route }) => {
    const h = holders.get(kind)!;
    const url = `${server.url}${route}`;
    const headers: Record<string, string> = {};
    if (presentation === "cookie") headers.cookie = `${ACCESS}=${h.access}`;
    else if (presentation === "Bearer") headers.authorization = `Bearer ${h.access}`;
    else {
      const prover = presentation === "DPoP, holder's key" ? (h.key ?? (await dpopKey())) : await dpopKey();
      headers.authorization = `DPoP ${h.access}`;
      headers.dpop = await prover.proof("GET", url, { accessToken: h.access });
    }
    const response = await fetch(url, { headers });
    expect(response.status).toBe(accepts(kind, presentation) ? 200 : 401);
  });
});

// Step-up re-authentication answers with browser cookies: only a browser session's access
// cookie may ask for it (issue 23). Any other credential changes nothing and gets no cookie.
describe("access tokens at the step-up door (POST /api/auth/reauth)", () => {
  const PRESENTATIONS = ["cookie", "Bearer"] as const;
  const cases = KINDS.flatMap((kind) => PRESENTATIONS.map((presentation) => ({ kind, presentation })));
  it.each(cases)("$kind access token as $presentation", async ({ kind, presentation }) => {
    const h = await holder(kind);
    const before = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (presentation === "cookie") headers.cookie = `${ACCESS}=${h.access}`;
    else headers.authorization = `Bearer ${h.access}`;
    const response = await fetch(`${server.url}/api/auth/reauth`, {
      method: "POST",
      headers,
      body: JSON.stringify({ password: DEMO.password }),
    });
    const accepted = kind === "browser" && presentation === "cookie";
    const after = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    if (accepted) {
      expect(response.status).toBe(200);
      expect(after.authenticatedAt.getTime()).toBeGreaterThanOrEqual(before.authenticatedAt.getTime());
    } else {
      // 401 when the resource door already refuses the token, 403 when only this door does.
      expect([401, 403]).toContain(response.status);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(after.authenticatedAt).toEqual(before.authenticatedAt);
      await expectUntouched(h);
    }
  });
});

// The passkey step-up's options (POST /api/auth/reauth/options) are the same door: a
// challenge is written only for a browser session presenting its cookie.
describe("access tokens at the step-up door's passkey options (POST /api/auth/reauth/options)", () => {
  const PRESENTATIONS = ["cookie", "Bearer"] as const;
  const cases = KINDS.flatMap((kind) => PRESENTATIONS.map((presentation) => ({ kind, presentation })));
  it.each(cases)("$kind access token as $presentation", async ({ kind, presentation }) => {
    const h = await holder(kind);
    const challengesBefore = await server.db.webauthnChallenge.count();
    const headers: Record<string, string> =
      presentation === "cookie" ? { cookie: `${ACCESS}=${h.access}` } : { authorization: `Bearer ${h.access}` };
    const response = await fetch(`${server.url}/api/auth/reauth/options`, { method: "POST", headers });
    if (kind === "browser" && presentation === "cookie") {
      // Accepted: options when the account has a passkey, else 409 no_passkeys.
      expect([200, 409]).toContain(response.status);
      return;
    }
    expect([401, 403]).toContain(response.status);
    expect(await server.db.webauthnChallenge.count()).toBe(challengesBefore);
    await expectUntouched(h);
  });
});

// Issue 23 (docs/decisions/0021-passkeys.md): a way to sign in is added or changed from
// the browser only. Each session presents its access token the way it was handed out
// (so "resource" accepts it): listing passkeys is a read every kind may make; asking to
// add one is refused to every token-API session, and writes no challenge.
describe("access tokens at the passkey routes (door account_credentials)", () => {
  const holders = new Map<Kind, Holder>();
  beforeAll(async () => {
    for (const kind of KINDS) holders.set(kind, await holder(kind));
  });

  async function ownWay(h: Holder, method: string, url: string): Promise<Record<string, string>> {
    if (h.kind === "browser") return { cookie: `${ACCESS}=${h.access}` };
    if (!h.key) return { authorization: `Bearer ${h.access}` };
    return { authorization: `DPoP ${h.access}`, dpop: await h.key.proof(method, url, { accessToken: h.access }) };
  }

  it.each(KINDS)("%s access token: lists passkeys, may add one only from the browser", async (kind) => {
    const h = holders.get(kind)!;
    const listUrl = `${server.url}/api/account/passkeys`;
    expect((await fetch(listUrl, { headers: await ownWay(h, "GET", listUrl) })).status).toBe(200);

    const optionsUrl = `${server.url}/api/account/passkeys/options`;
    const before = await server.db.webauthnChallenge.count();
    const response = await fetch(optionsUrl, { method: "POST", headers: await ownWay(h, "POST", optionsUrl) });
    if (kind === "browser") {
      expect(response.status).toBe(200);
    } else {
      expect(response.status).toBe(403);
      expect((await response.json()).error).toBe("browser_session_required");
      expect(await server.db.webauthnChallenge.count()).toBe(before);
      for (const method of ["PATCH", "DELETE"]) {
        const url = `${server.url}/api/account/passkeys/any-id`;
        const headers = { ...(await ownWay(h, method, url)), "content-type": "application/json" };
        const refused = await fetch(url, { method, headers, body: JSON.stringify({ name: "x" }) });
        expect(refused.status).toBe(403);
      }
    }
    await expectUntouched(h);
  });
});

describe("the DBSC doors", () => {
  const registrationProof = async (challenge: string) => {
    const key = await dbscKey();
    return dbscProof(key, { jti: challenge }, { jwk: key.jwk });
  };

  // Review finding 2: an OAuth session's access token, put in the access cookie, must not
  // become a browser session bound to a thief's key, whatever challenge the thief holds.
  it.each(KINDS)("registration with a %s session's access token in the access cookie", async (kind) => {
    const h = await holder(kind);
    const challenge = h.challenge ?? (await issueChallenge(server.db, h.sessionId));
    const response = await fetch(`${server.url}/api/auth/dbsc/register`, {
      method: "POST",
      headers: { cookie: `${ACCESS}=${h.access}`, "secure-session-response": await registrationProof(challenge) },
    });
    const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    if (kind === "browser") {
      expect(response.status).toBe(200);
      expect(session.dbscThumbprint).not.toBeNull();
    } else {
      expect(response.status).toBe(403);
      expect((await response.json()).error).toBe("not_bindable");
      expect(session.dbscThumbprint).toBeNull();
      await expectUntouched(h);
    }
  });

  it.each(KINDS)("DBSC refresh of a %s session that is not device-bound ends, and mints nothing", async (kind) => {
    const h = await holder(kind);
    const response = await fetch(`${server.url}/api/auth/dbsc/refresh`, {
      method: "POST",
      headers: { "sec-secure-session-id": h.sessionId },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ session_identifier: h.sessionId, continue: false });
    expect(parseSetCookies(response).find((c) => c.name === ACCESS)?.value ?? "").toBe("");
    await expectUntouched(h);
  });
});

describe("a device-bound browser session's refresh token", () => {
  /** Binds the session whose access token is `access` to a new device key, as Chromium would. */
  async function bindDevice(access: string, challenge: string) {
    const key = await dbscKey();
    const response = await fetch(`${server.url}/api/auth/dbsc/register`, {
      method: "POST",
      headers: {
        cookie: `${ACCESS}=${access}`,
        "secure-session-response": await dbscProof(key, { jti: challenge }, { jwk: key.jwk }),
      },
    });
    expect(response.status).toBe(200);
  }

  async function boundBrowser() {
    const h = await holder("browser");
    await bindDevice(h.access, h.challenge!);
    return { h };
  }

  it("current, at the cookie route: 401 session_bound, not rotated, session alive", async () => {
    const { h } = await boundBrowser();
    const response = await cookieRefreshPost(h.refresh);
    expect(response.status).toBe(401);
    expect((await response.json()).error).toBe("session_bound");
    await expectUntouched(h);
  });

  it("current, at the token endpoint: invalid_grant, nothing spent", async () => {
    const { h } = await boundBrowser();
    const response = await form(tokenUrl(), { grant_type: "refresh_token", refresh_token: h.refresh });
    expect(response.status).toBe(400);
    await expectUntouched(h);
  });

  // Review finding 3: a spent token is theft whatever binding was added since. Before,
  // the bound check ran first and answered session_bound: the thief kept the session.
  it("spent before the binding, replayed after it: refresh_token_reused, session revoked", async () => {
    const h = await holder("browser");
    const rotated = await cookieRefreshPost(h.refresh);
    expect(rotated.status).toBe(200);
    const jar = new CookieJar();
    jar.store(rotated);
    await bindDevice(jar.get(ACCESS)!, h.challenge!);
    await server.db.refreshToken.updateMany({
      where: { tokenHash: sha256(h.refresh) },
      data: { usedAt: new Date(Date.now() - 60_000) },
    });
    const replay = await cookieRefreshPost(h.refresh);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toBe("refresh_token_reused");
    const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    expect(session.revokedReason).toBe("refresh_token_reused");
  });
});

describe("reuse detection after every kind of binding", () => {
  // Each session gains a binding after its first token was spent; replaying that token
  // later (past the grace window) must still revoke the session.
  it.each(["demo-cli", "password grant"] as const)("%s session bound to a DPoP key after a rotation", async (kind) => {
    const h = await holder(kind);
    const key = await dpopKey();
    const params: Record<string, string> = { grant_type: "refresh_token", refresh_token: h.refresh };
    if (h.clientId) params.client_id = h.clientId;
    const bound = await form(tokenUrl(), params, { dpop: await key.proof("POST", tokenUrl()) });
    expect(bound.status).toBe(200);
    await server.db.refreshToken.updateMany({
      where: { tokenHash: sha256(h.refresh) },
      data: { usedAt: new Date(Date.now() - 60_000) },
    });
    // The replay comes with the right client and the right key: still theft.
    const replay = await form(tokenUrl(), params, { dpop: await key.proof("POST", tokenUrl()) });
    expect(replay.status).toBe(400);
    const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    expect(session.revokedReason).toBe("refresh_token_reused");
  });

  it("a spent DPoP-bound token replayed as a cookie is theft too", async () => {
    const h = await holder("demo-cli + DPoP");
    expect(await ownRefresh(h)).toBe(200);
    await server.db.refreshToken.updateMany({
      where: { tokenHash: sha256(h.refresh) },
      data: { usedAt: new Date(Date.now() - 60_000) },
    });
    expect((await cookieRefreshPost(h.refresh)).status).toBe(401);
    const session = await server.db.session.findUniqueOrThrow({ where: { id: h.sessionId } });
    expect(session.revokedReason).toBe("refresh_token_reused");
  });
});

const MATRIX_ADMIN = { email: "matrix-admin@example.com", password: "matrix admin passphrase" };

/** Ends the user's account the way `how` says: its owner deletes it, or an administrator disables it. */
async function endAccount(how: "deleted" | "disabled", h: Holder, user: { email: string; password: string }) {
  if (how === "disabled") {
    const { jar } = await login(server.url, MATRIX_ADMIN);
    const userId = (await server.db.user.findUniqueOrThrow({ where: { email: user.email } })).id;
    const disabled = await fetch(`${server.url}/api/admin/users/${userId}/disable`, {
      method: "POST",
      headers: { cookie: jar.header(), origin: server.url },
    });
    expect(disabled.status, await disabled.clone().text()).toBe(200);
    return;
  }
  const browser = h.kind === "browser";
  const deleted = await fetch(`${server.url}/api/account`, {
    method: "DELETE",
    headers: {
      "content-type": "application/json",
      ...(browser ? { cookie: `${ACCESS}=${h.access}`, origin: server.url } : {}),
      ...(h.kind === "demo-cli + DPoP"
        ? {
            authorization: `DPoP ${h.access}`,
            dpop: await h.key!.proof("DELETE", `${server.url}/api/account`, { accessToken: h.access }),
          }
        : !browser
          ? { authorization: `Bearer ${h.access}` }
          : {}),
    },
    body: JSON.stringify({ password: user.password }),
  });
  expect(deleted.status).toBe(204);
}

// A deleted user's sessions go with the user; a disabled user's are revoked with the
// disabling (lib/auth/account-status.ts). Either way no door may take their credentials,
// and a disabled account gets no new session through any sign-in door either.
describe.each(["deleted", "disabled"] as const)("after the account is %s", (how) => {
  beforeAll(async () => {
    if (how !== "disabled") return;
    const registered = await fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(MATRIX_ADMIN),
    });
    expect([201, 409]).toContain(registered.status);
  });

  let n = 0;
  it.each(KINDS)(
    "a %s session's refresh and access tokens are refused at every door, never with a 5xx",
    async (kind) => {
      const user = {
        email: `${how}-${kind.replace(/\W+/g, "-").toLowerCase()}-${n++}-${Date.now()}@example.com`,
        password: "a long passphrase 42",
      };
      const registered = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(user),
      });
      expect(registered.status).toBe(201);
      const h = await holder(kind, user);
      await endAccount(how, h, user);
      const statuses = [
        (await cookieRefreshPost(h.refresh)).status,
        (await form(tokenUrl(), { grant_type: "refresh_token", refresh_token: h.refresh, client_id: CLIENT_ID }))
          .status,
        (await form(tokenUrl(), { grant_type: "refresh_token", refresh_token: h.refresh })).status,
        (await fetch(`${server.url}/api/me`, { headers: { cookie: `${ACCESS}=${h.access}` } })).status,
        (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${h.access}` } })).status,
        (
          await fetch(`${server.url}/api/auth/reauth`, {
            method: "POST",
            headers: { "content-type": "application/json", cookie: `${ACCESS}=${h.access}`, origin: server.url },
            body: JSON.stringify({ password: user.password }),
          })
        ).status,
        (
          await fetch(`${server.url}/api/auth/dbsc/refresh`, {
            method: "POST",
            headers: { "sec-secure-session-id": h.sessionId },
          })
        ).status,
      ];
      for (const status of statuses) expect(status).toBeLessThan(500);
      expect(statuses.slice(0, 6).every((s) => s === 400 || s === 401)).toBe(true);
      expect(await server.db.session.count({ where: { id: h.sessionId, revokedAt: null } })).toBe(0);
      if (how === "disabled") {
        // And no sign-in door opens a new session for it.
        expect((await login(server.url, user)).response.status).toBe(403);
        const grant = await form(tokenUrl(), { grant_type: "password", username: user.email, password: user.password });
        expect(grant.status).toBe(400);
        expect(await server.db.session.count({ where: { user: { email: user.email }, revokedAt: null } })).toBe(0);
      }
    },
  );
});

// Mailed links: a link of each purpose at the door of each purpose. Only its own door
// takes it; anywhere else it is a 400 that spends nothing, so the same link still works
// where it belongs (written out here, not read from LINK_RULES).
describe("mailed links at every link door (lib/auth/bindings.ts LINK_RULES)", () => {
  const LINK_DOORS = {
    password_reset: (token: string) => ({
      path: "/api/auth/password/reset",
      body: { token, password: "a new passphrase 42" },
    }),
    email_verification: (token: string) => ({ path: "/api/auth/verify-email", body: { token } }),
    email_change: (token: string) => ({ path: "/api/auth/confirm-email-change", body: { token } }),
  } as const;
  type Purpose = keyof typeof LINK_DOORS;
  const PURPOSES = Object.keys(LINK_DOORS) as Purpose[];

  it("has a door here for every door of LINK_RULES", () => {
    expect(Object.keys(LINK_RULES).sort()).toEqual([...PURPOSES].sort());
  });

  const present = (door: Purpose, token: string) => {
    const { path, body } = LINK_DOORS[door](token);
    return fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify(body),
    });
  };

  let n = 0;
  it.each(PURPOSES.flatMap((purpose) => PURPOSES.map((door) => ({ purpose, door }))))(
    "a $purpose link at the $door door",
    async ({ purpose, door }) => {
      const email = `link-${n++}-${Date.now()}@example.com`;
      const registered = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "a long passphrase 42" }),
      });
      expect(registered.status).toBe(201);
      const userId = (await server.db.user.findUniqueOrThrow({ where: { email } })).id;
      const newEmail = purpose === "email_change" ? `moved-${email}` : null;
      const token = await issueEmailToken(server.db, userId, purpose, 3600, new Date(), newEmail);
      const tokenHash = sha256(token);
      const unused = async () =>
        (await server.db.emailToken.findUniqueOrThrow({ where: { tokenHash } })).usedAt === null;

      const response = await present(door, token);
      if (door === purpose) {
        expect(response.status, await response.clone().text()).toBe(200);
        expect(await unused()).toBe(false);
        return;
      }
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_token");
      expect(await unused()).toBe(true);
      // Still good at its own door.
      expect((await present(purpose, token)).status).toBe(200);
    },
  );
});

describe("one-time grants at the token endpoint (lib/auth/bindings.ts GRANT_RULES)", () => {
  const OTHER_REDIRECT = "https://other.example/callback";

  async function freshCode() {
    const { verifier, challenge } = pkce();
    const jar = (await login(server.url, DEMO)).jar;
    const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT }, jar);
    return { code: redirect.searchParams.get("code")!, verifier };
  }

  const codeCases = (["demo-cli", "other-app"] as const).flatMap((clientId) =>
    [REDIRECT, OTHER_REDIRECT].map((redirectUri) => ({ clientId, redirectUri })),
  );
  it.each(codeCases)(
    "authorization code presented by $clientId with $redirectUri",
    async ({ clientId, redirectUri }) => {
      const { code, verifier } = await freshCode();
      const redeem = (client: string, uri: string) =>
        form(tokenUrl(), {
          grant_type: "authorization_code",
          client_id: client,
          code,
          code_verifier: verifier,
          redirect_uri: uri,
        });
      const response = await redeem(clientId, redirectUri);
      if (clientId === CLIENT_ID && redirectUri === REDIRECT) {
        expect(response.status).toBe(200);
      } else {
        expect(response.status).toBe(400);
        expect((await response.json()).error).toBe("invalid_grant");
        // Not burned: whoever started the flow still redeems it.
        expect((await redeem(CLIENT_ID, REDIRECT)).status).toBe(200);
      }
    },
  );

  it.each(["demo-cli", "other-app"])("device code polled by %s", async (clientId) => {
    const started = await form(`${server.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID });
    expect(started.status).toBe(200);
    const { device_code, user_code } = (await started.json()) as { device_code: string; user_code: string };
    // The user approves: the code form's counted lookup, then the decision.
    const jar = (await login(server.url, DEMO)).jar;
    const decide = (params: Record<string, string>) =>
      fetch(
        `${server.url}/api/oauth/device`,
        withCookies(jar, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
          body: new URLSearchParams(params),
        }),
      );
    expect((await decide({ user_code })).status).toBe(303);
    const approved = await decide({ user_code, decision: "approve" });
    expect(approved.headers.get("location")).toMatch(/result=approved/);
    const poll = (client: string) =>
      form(tokenUrl(), { grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: client, device_code });
    const response = await poll(clientId);
    if (clientId === CLIENT_ID) {
      expect(response.status).toBe(200);
    } else {
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe("invalid_grant");
      expect((await poll(CLIENT_ID)).status).toBe(200);
    }
  });
});
