import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseState, DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

describe("signed out", () => {
  it("redirects /dashboard through the refresh route to the login page, keeping the path", async () => {
    const first = await fetch(`${server.url}/dashboard`, { redirect: "manual" });
    expect(first.status).toBe(303);
    const refresh = new URL(first.headers.get("location")!, server.url);
    expect(refresh.pathname).toBe("/api/auth/refresh");
    expect(refresh.searchParams.get("next")).toBe("/dashboard");
    const second = await fetch(refresh, { redirect: "manual" });
    expect(second.status).toBe(303);
    const target = new URL(second.headers.get("location")!);
    expect(target.origin).toBe(server.origin);
    expect(target.pathname).toBe("/login");
    expect(target.searchParams.get("next")).toBe("/dashboard");
  });

  it("answers /api/me with 401 and a WWW-Authenticate challenge, without an error code (no credentials: RFC 6750 §3.1)", async () => {
    const response = await fetch(`${server.url}/api/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer, DPoP algs="ES256 ES384 Ed25519 EdDSA RS256 PS256"');
    expect(await response.json()).toEqual({ error: "unauthorized", message: expect.any(String) });
  });

  it("serves the login page and the health check", async () => {
    const page = await fetch(`${server.url}/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign in");
    expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ status: "ok", db: "ok" });
  });
});

describe("login", () => {
  it("sets both cookies with the design's names and attributes", async () => {
    const { response } = await login(server.url, DEMO);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { user: { id: string; email: string } };
    expect(body.user.email).toBe(DEMO.email);
    expect(JSON.stringify(body)).not.toMatch(/token/i);

    const cookies = Object.fromEntries(parseSetCookies(response).map((c) => [c.name, c]));
    expect(Object.keys(cookies).sort()).toEqual(["access_token", "device_id", "refresh_token"]);
    expect(cookies.access_token!.attributes).toMatchObject({
      path: "/",
      httponly: true,
      samesite: "lax",
      "max-age": expect.any(String),
    });
    expect(Number(cookies.access_token!.attributes["max-age"])).toBeGreaterThan(590);
    expect(Number(cookies.access_token!.attributes["max-age"])).toBeLessThanOrEqual(600);
    expect(cookies.refresh_token!.attributes).toMatchObject({ path: "/api/auth", httponly: true, samesite: "strict" });
    expect(Number(cookies.refresh_token!.attributes["max-age"])).toBeLessThanOrEqual(7 * 86_400);
    // Plain http in tests: no Secure attribute, no prefixed names.
    expect(cookies.access_token!.attributes.secure).toBeUndefined();
  });

  it("gives access to /dashboard and /api/me", async () => {
    const { jar } = await login(server.url, DEMO);
    const page = await fetch(`${server.url}/dashboard`, withCookies(jar));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(DEMO.email);
    const me = await fetch(`${server.url}/api/me`, withCookies(jar));
    expect(me.status).toBe(200);
    const body = (await me.json()) as { user: { email: string }; session: { id: string; userAgent: string } };
    expect(body.user.email).toBe(DEMO.email);
    expect(body.session.id).toEqual(expect.any(String));
  });

  it("answers a wrong password and an unknown email with the same 401 body", async () => {
    const wrong = await login(server.url, { email: DEMO.email, password: "not-the-password" });
    const unknown = await login(server.url, { email: "nobody@example.com", password: "not-the-password" });
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.status).toBe(401);
    const [a, b] = [await wrong.response.json(), await unknown.response.json()];
    expect(a).toEqual(b);
    expect(a).toEqual({ error: "invalid_credentials", message: expect.any(String) });
    expect(wrong.response.headers.getSetCookie()).toEqual([]);
  });

  it("normalises the email's case and whitespace", async () => {
    const { response } = await login(server.url, { email: "  Demo@Example.COM ", password: DEMO.password });
    expect(response.status).toBe(200);
  });

  it.each([
    ["malformed JSON", "application/json", "{not json"],
    ["an array", "application/json", "[]"],
    ["a missing password", "application/json", JSON.stringify({ email: DEMO.email })],
    ["a missing email", "application/json", JSON.stringify({ password: "x" })],
    ["a non-string password", "application/json", JSON.stringify({ email: DEMO.email, password: 123 })],
    ["an invalid email", "application/json", JSON.stringify({ email: "not-an-email", password: "x" })],
    ["an oversized body", "application/json", JSON.stringify({ email: DEMO.email, password: "x".repeat(20_000) })],
    ["a wrong content type", "text/plain", JSON.stringify(DEMO)],
  ])("answers %s with 400 and writes nothing", async (_label, type, body) => {
    const before = await databaseState(server.db);
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "invalid_request", message: expect.any(String) });
    expect(await databaseState(server.db)).toEqual(before);
  });

  it("works as a plain form post: 303 to a same-origin next, never elsewhere", async () => {
    const form = (next: string) =>
      fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...DEMO, next }),
        redirect: "manual",
      });
    const ok = await form("/dashboard?from=form");
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`${server.origin}/dashboard?from=form`);
    expect(
      parseSetCookies(ok)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["access_token", "device_id", "refresh_token"]);
    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const response = await form(evil);
      expect(response.headers.get("location")).toBe(`${server.origin}/dashboard`);
    }
  });

  it("sends a failed form post back to the login page with an error", async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: DEMO.email, password: "wrong", next: "/dashboard" }),
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("error")).toBe("invalid_credentials");
    expect(response.headers.get("location")).not.toContain("wrong");
  });
});

describe("logout", () => {
  it("revokes the session, clears both cookies, and the old access cookie gets no data", async () => {
    const { jar } = await login(server.url, DEMO);
    const stolenAccess = new CookieJar();
    stolenAccess.cookies.set("access_token", jar.get("access_token")!);

    const response = await fetch(`${server.url}/api/auth/logout`, withCookies(jar, { method: "POST" }));
    expect(response.status).toBe(204);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const cleared = Object.fromEntries(parseSetCookies(response).map((c) => [c.name, c]));
    expect(cleared.access_token).toMatchObject({
      value: "",
      attributes: { path: "/", "max-age": "0", httponly: true },
    });
    expect(cleared.refresh_token).toMatchObject({
      value: "",
      attributes: { path: "/api/auth", "max-age": "0", httponly: true },
    });

    // The JWT still verifies at the edge, but the session is revoked.
    const me = await fetch(`${server.url}/api/me`, withCookies(stolenAccess));
    expect(me.status).toBe(401);
    const sessionId = (await server.db.session.findFirst({ where: { revokedReason: "logout" } }))?.id;
    expect(sessionId).toBeDefined();
    expect(await server.db.authEvent.count({ where: { type: "logout", sessionId } })).toBe(1);
  });

  it("is idempotent", async () => {
    const { jar } = await login(server.url, DEMO);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/api/auth/logout`, withCookies(jar, { method: "POST" }));
      expect(response.status).toBe(204);
    }
    const anonymous = await fetch(`${server.url}/api/auth/logout`, { method: "POST" });
    expect(anonymous.status).toBe(204);
  });

  it("redirects a form navigation to the login page", async () => {
    const { jar } = await login(server.url, DEMO);
    const response = await fetch(
      `${server.url}/api/auth/logout`,
      withCookies(jar, {
        method: "POST",
        headers: { accept: "text/html,application/xhtml+xml", origin: server.origin },
      }),
    );
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("location")!).pathname).toBe("/login");
  });
});
