// The outside security review (issue 12), findings 4–12, each as an attack on its class.
import { request as httpRequest } from "node:http";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { hashRefreshToken } from "@/lib/auth/token-pair";
import { DEMO } from "../support/database";
import { login, parseSetCookies, refreshWith, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    RATE_LIMIT_LOGIN_PER_IP: "100000/60",
    RATE_LIMIT_REFRESH_FAILURES_PER_IP: "100000/60",
    // Token-API clients here sign in with the legacy password grant (off by default).
    OAUTH_PASSWORD_GRANT: "enabled",
  });
});
afterAll(() => server?.stop());

let users = 0;
async function newUser(cost = 4) {
  const user = { email: `review-${++users}@example.com`, password: `review password ${users}` };
  await server.db.user.create({ data: { email: user.email, passwordHash: await hashPassword(user.password, cost) } });
  return user;
}

async function tokenGrant(username: string, password: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ grant_type: "password", username, password }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

const refreshGrant = (refreshToken: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });

/** A token-API client changes its password, authenticated by its bearer access token. */
const changePasswordWithBearer = (accessToken: string, currentPassword: string, newPassword: string) =>
  fetch(`${server.url}/api/account/password`, {
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ currentPassword, newPassword }),
  });

async function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await response.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
}

describe("4. a password change leaves the caller signed in on every kind of client", () => {
  it("a token-API (bearer) client gets usable new tokens in the JSON, and its next refresh works", async () => {
    const user = await newUser();
    const tokens = await tokenGrant(user.email, user.password);
    const response = await changePasswordWithBearer(tokens.access_token, user.password, "a new password for bearer");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; refresh_token: string; token_type: string };
    expect(body).toMatchObject({
      token_type: "Bearer",
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.status).toBe(200);
    const refreshed = await refreshGrant(body.refresh_token);
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as { access_token: string };
    expect(
      (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${again.access_token}` } })).status,
    ).toBe(200);
  });

  it("a refresh in flight with the pre-change cookie is a grace retry, not theft: the session survives", async () => {
    const user = await newUser();
    const { jar } = await login(server.url, user);
    const oldRefresh = jar.get("refresh_token")!;
    const change = await fetch(
      `${server.url}/api/account/password`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: user.password, newPassword: "a new password for cookies" }),
      }),
    );
    expect(change.status).toBe(200);
    jar.store(change);
    // The other tab's refresh, sent before it saw the new cookies.
    const stale = await refreshWith(server.url, oldRefresh);
    expect(stale.status).toBe(200);
    // It got the same refresh token the change issued: no branch, no revocation.
    expect(parseSetCookies(stale).find((c) => c.name === "refresh_token")?.value).toBe(jar.get("refresh_token"));
    const me = await fetch(`${server.url}/api/me`, withCookies(jar));
    expect(me.status).toBe(200);
    expect((await refreshWith(server.url, jar.get("refresh_token")!)).status).toBe(200);
  });

  it("a bearer client's retry with its pre-change refresh token is a grace retry too", async () => {
    const user = await newUser();
    const tokens = await tokenGrant(user.email, user.password);
    const change = await changePasswordWithBearer(tokens.access_token, user.password, "another new password");
    const fresh = (await change.json()) as { refresh_token: string };
    const retry = await refreshGrant(tokens.refresh_token);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { refresh_token: string }).refresh_token).toBe(fresh.refresh_token);
  });
});

describe("5. no lookup of user input in an object literal", () => {
  it.each([
    "__proto__",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "__defineGetter__",
    "toLocaleString",
    "propertyIsEnumerable",
  ])("/login?error=%s renders the page", async (error) => {
    const response = await fetch(`${server.url}/login?error=${error}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Sign in");
  });
});

describe("6. bcrypt cost: hashes are brought to BCRYPT_COST on sign-in", () => {
  it.each([5, 6])("a hash of cost %i is rehashed at the configured cost (4) by a successful sign-in", async (cost) => {
    const user = await newUser(cost);
    const before = await server.db.user.findUniqueOrThrow({ where: { email: user.email } });
    expect(bcrypt.getRounds(before.passwordHash)).toBe(cost);
    expect((await login(server.url, { email: user.email, password: "wrong password" })).response.status).toBe(401);
    expect(
      bcrypt.getRounds((await server.db.user.findUniqueOrThrow({ where: { email: user.email } })).passwordHash),
    ).toBe(cost);
    expect((await login(server.url, user)).response.status).toBe(200);
    const after = await server.db.user.findUniqueOrThrow({ where: { email: user.email } });
    expect(bcrypt.getRounds(after.passwordHash)).toBe(4);
    expect((await login(server.url, user)).response.status).toBe(200);
  });
});

// A request with a body of `size` bytes, sent chunked (no Content-Length) or with one,
// on a raw connection: the answer may come before the body is sent.
function sendBody(
  path: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (chunked) headers["transfer-encoding"] = "chunked";
    else headers["content-length"] = size;
    const req = httpRequest(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
      res.on("error", reject);
    });
    req.on("error", (error) => (sent >= size ? reject(error) : undefined));
    const chunk = Buffer.alloc(16 * 1024, "a");
    let sent = 0;
    const write = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

describe("7. oversized bodies are refused with 413 JSON before they are buffered, on every route", () => {
  const routes = [
    "/api/auth/logout",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/register",
    "/api/oauth/token",
    "/api/oauth/revoke",
    "/api/account/password",
    "/api/sessions/revoke-others",
    "/api/me",
    "/login",
    "/dashboard",
    "/no-such-page",
  ];
  for (const chunked of [false, true]) {
    it.each(routes)(`%s: 1 MB ${chunked ? "chunked" : "with Content-Length"} → 413 JSON`, async (route) => {
      const answer = await sendBody(route, 1024 * 1024, chunked);
      expect(answer.status).toBe(413);
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toEqual({ error: "payload_too_large", message: expect.any(String) });
    });
  }

  it("a body under the cap still reaches the route", async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...DEMO, padding: "x".repeat(4000) }),
    });
    expect(response.status).toBe(200);
  });

  it("a small chunked body reaches the route intact", async () => {
    const body = JSON.stringify(DEMO);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        new URL("/api/auth/login", server.url),
        { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 50);
    });
    expect(status).toBe(200);
  });
});

describe("8. malformed escapes in dynamic segments → 4xx JSON, never 500", () => {
  const segments = [
    "%ZZ",
    "%",
    "%2",
    "%E0%A4%A",
    "%ED%A0%80",
    "%C0%AF",
    "%FF",
    "%00",
    "%0A",
    "a%00b",
    "x".repeat(3000),
    "%F0%9F%92%A9",
    "..%2F..%2Fetc",
  ];
  it.each(segments)("DELETE /api/sessions/%s with a valid token", async (segment) => {
    const { jar } = await login(server.url, DEMO);
    const response = await fetch(`${server.url}/api/sessions/${segment}`, withCookies(jar, { method: "DELETE" }));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await expectJsonError(response, response.status);
  });

  it.each(["/api/sessions/%ZZ", "/api/me/%ZZ", "/dashboard/%ZZ", "/%ZZ", "/api/auth/%E0%A4%A"])(
    "GET %s → 400 JSON",
    async (path) => {
      const { jar } = await login(server.url, DEMO);
      await expectJsonError(await fetch(`${server.url}${path}`, withCookies(jar)), 400);
    },
  );
});

describe("9. every response carries a CSP, static paths included", () => {
  it.each([
    "/favicon.ico",
    "/robots.txt",
    "/_next/static/nope.js",
    "/_next/static/chunks/nope.css",
    "/_next/image?url=%2Fnope.png&w=64&q=75",
  ])("%s", async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.headers.get("content-security-policy"), path).toBeTruthy();
  });

  it("serves a real favicon and robots.txt", async () => {
    const favicon = await fetch(`${server.url}/favicon.ico`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get("content-type")).toMatch(/image/);
    const robots = await fetch(`${server.url}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(await robots.text()).toMatch(/User-Agent: \*/i);
  });
});

describe("10. the bearer auth scheme is case-insensitive (RFC 9110 §11.1)", () => {
  it.each(["Bearer", "bearer", "BEARER", "bEaReR", "Bearer  "])("%j", async (scheme) => {
    const tokens = await tokenGrant(DEMO.email, DEMO.password);
    const response = await fetch(`${server.url}/api/me`, {
      headers: { authorization: `${scheme.trim()}${scheme.endsWith("  ") ? "  " : " "}${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
  });
});

describe("11. the CSRF exemption holds only where the bearer is what authenticates", () => {
  const crossSite = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
  it.each([
    ["POST", "/api/auth/logout"],
    ["POST", "/api/auth/refresh"],
    ["POST", "/api/auth/login"],
    ["POST", "/api/auth/register"],
    ["POST", "/api/sessions/revoke-others"],
    ["POST", "/api/account/password"],
  ])("%s %s with a junk bearer and the session cookies from another site → 403", async (method, path) => {
    const { jar } = await login(server.url, DEMO);
    const before = await server.db.session.count({ where: { revokedAt: null } });
    for (const authorization of ["Bearer junk", "bearer junk", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"]) {
      const response = await fetch(
        `${server.url}${path}`,
        withCookies(jar, {
          method,
          headers: { ...crossSite, authorization, "content-type": "application/json" },
          body: JSON.stringify({}),
        }),
      );
      expect(response.status, `${path} with ${authorization}`).toBe(403);
      expect(((await response.json()) as { error: string }).error).toBe("csrf_rejected");
    }
    expect(await server.db.session.count({ where: { revokedAt: null } })).toBe(before);
  });

  it("a valid bearer alone (no cookies) is still exempt on the protected APIs", async () => {
    const tokens = await tokenGrant(DEMO.email, DEMO.password);
    const response = await fetch(`${server.url}/api/sessions/revoke-others`, {
      method: "POST",
      headers: { ...crossSite, authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
  });
});

describe("12. the grace hand-out is audited and bound to the same client", () => {
  async function rotateOnce(userAgent: string) {
    const user = await newUser();
    const tokens = await tokenGrant(user.email, user.password, { "user-agent": userAgent });
    const rotated = await refreshGrant(tokens.refresh_token, { "user-agent": userAgent });
    expect(rotated.status).toBe(200);
    const current = (await rotated.json()) as { refresh_token: string };
    const row = await server.db.refreshToken.findUniqueOrThrow({
      where: { tokenHash: hashRefreshToken(tokens.refresh_token) },
    });
    return { parent: tokens.refresh_token, current: current.refresh_token, sessionId: row.sessionId };
  }

  it("a retry by the same client within the window gets the current token, and an audit event is written", async () => {
    const { parent, current, sessionId } = await rotateOnce("review-cli/1.0");
    const retry = await refreshGrant(parent, { "user-agent": "review-cli/1.0" });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { refresh_token: string }).refresh_token).toBe(current);
    const events = await server.db.authEvent.findMany({ where: { sessionId, type: "refresh_token_grace" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.userAgent).toBe("review-cli/1.0");
  });

  it("the parent presented by another client within the window is theft: no hand-out, the session is revoked", async () => {
    const { parent, current, sessionId } = await rotateOnce("review-cli/1.0");
    const other = await refreshGrant(parent, { "user-agent": "curl/8.0" });
    expect(other.status).toBe(400);
    expect(JSON.stringify(await other.json())).not.toContain(current);
    expect((await server.db.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedReason).toBe(
      "refresh_token_reused",
    );
    expect((await refreshGrant(current, { "user-agent": "review-cli/1.0" })).status).toBe(400);
  });
});
