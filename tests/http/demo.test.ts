// The dashboard's demo routes and the rotation history: authenticated, CSRF-checked
// POSTs that never hand a token to the caller, and usage labels recorded per refresh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const GRACE_SECONDS = 1;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
});
afterAll(() => server?.stop());

const DEMO_POSTS = ["/api/demo/drop-access-token", "/api/demo/replay-refresh-token"];

async function signedIn(): Promise<CookieJar> {
  return (await login(server.url, DEMO)).jar;
}

async function post(jar: CookieJar, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(`${server.url}${path}`, withCookies(jar, { method: "POST", headers }));
  jar.store(response);
  return response;
}

async function sessionIdOf(jar: CookieJar): Promise<string> {
  const me = (await (await fetch(`${server.url}/api/me`, withCookies(jar))).json()) as { session: { id: string } };
  return me.session.id;
}

async function usedViaOf(sessionId: string): Promise<(string | null)[]> {
  const rows = await server.db.refreshToken.findMany({ where: { sessionId }, orderBy: { createdAt: "asc" } });
  return rows.map((row) => row.usedVia);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("demo routes", () => {
  it.each(DEMO_POSTS)("POST %s without an access token → 401, nothing changed", async (path) => {
    const before = await server.db.session.count({ where: { revokedAt: null } });
    const response = await fetch(`${server.url}${path}`, { method: "POST" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthorized" });
    expect(await server.db.session.count({ where: { revokedAt: null } })).toBe(before);
  });

  it.each(DEMO_POSTS)("POST %s from another site → 403 csrf_rejected", async (path) => {
    const jar = await signedIn();
    const response = await post(jar, path, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each(["GET", "PUT", "DELETE"])("%s on a demo POST route is not allowed", async (method) => {
    const jar = await signedIn();
    const response = await fetch(`${server.url}/api/demo/replay-refresh-token`, withCookies(jar, { method }));
    expect(response.status).toBe(405);
  });

  it("drop-access-token deletes only the access cookie; the refresh token still works", async () => {
    const jar = await signedIn();
    const refreshBefore = jar.get("refresh_token");
    const response = await post(jar, "/api/demo/drop-access-token");
    expect(response.status).toBe(200);
    const cookies = parseSetCookies(response);
    expect(cookies).toEqual([
      { name: "access_token", value: "", attributes: expect.objectContaining({ path: "/", "max-age": "0" }) },
    ]);
    expect(JSON.stringify(await response.clone().json())).not.toContain(refreshBefore);
    expect((await fetch(`${server.url}/api/me`, withCookies(jar))).status).toBe(401);
    expect((await post(jar, "/api/auth/refresh")).status).toBe(200);
    expect((await fetch(`${server.url}/api/me`, withCookies(jar))).status).toBe(200);
  });

  it("replay-refresh-token refuses before any rotation and inside the grace window, then revokes as theft", async () => {
    const jar = await signedIn();
    const sessionId = await sessionIdOf(jar);
    const early = await post(jar, "/api/demo/replay-refresh-token");
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: "no_previous_token" });

    expect((await post(jar, "/api/auth/refresh", { "x-refresh-reason": "in_page_401" })).status).toBe(200);
    const tooSoon = await post(jar, "/api/demo/replay-refresh-token");
    expect(tooSoon.status).toBe(409);
    expect(await tooSoon.json()).toMatchObject({ error: "within_grace" });
    expect(tooSoon.headers.get("retry-after")).toMatch(/^\d+$/);

    await pause(GRACE_SECONDS * 1000 + 500);
    const replay = await post(jar, "/api/demo/replay-refresh-token");
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ sessionRevoked: true });
    const session = await server.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokedReason).toBe("refresh_token_reused");
    expect(await server.db.authEvent.count({ where: { sessionId, type: "refresh_token_reused" } })).toBe(1);

    // The browser learns it on its next refresh, and a navigation refresh says why.
    const navigation = await fetch(`${server.url}/api/auth/refresh?next=/dashboard`, withCookies(jar));
    expect(navigation.status).toBe(303);
    const location = new URL(navigation.headers.get("location")!);
    expect(location.pathname).toBe("/login");
    expect(Object.fromEntries(location.searchParams)).toEqual({ next: "/dashboard", reason: "refresh_token_reused" });
  });
});

describe("rotation history", () => {
  it("records the reason the browser gives, navigation refreshes, and nothing for an unknown label", async () => {
    const jar = await signedIn();
    const sessionId = await sessionIdOf(jar);
    for (const reason of ["in_page_401", "proactive", "navigation", "made-up", ""]) {
      expect((await post(jar, "/api/auth/refresh", { "x-refresh-reason": reason })).status).toBe(200);
    }
    const navigation = await fetch(`${server.url}/api/auth/refresh?next=/dashboard`, withCookies(jar));
    expect(navigation.status).toBe(303);
    jar.store(navigation);
    expect(await usedViaOf(sessionId)).toEqual([
      "in_page_401",
      "proactive",
      "navigation",
      null,
      null,
      "navigation",
      null,
    ]);
  });

  it("GET /api/demo/timeline shows generations and expiries, never a token or a hash", async () => {
    const jar = await signedIn();
    const sessionId = await sessionIdOf(jar);
    const tokens = [jar.get("refresh_token")!];
    for (let i = 0; i < 3; i++) {
      await post(jar, "/api/auth/refresh", { "x-refresh-reason": "proactive" });
      tokens.push(jar.get("refresh_token")!);
    }
    const response = await fetch(`${server.url}/api/demo/timeline`, withCookies(jar));
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as { generations: { number: number; usedVia: string | null; current: boolean }[] };
    expect(body.generations.map((g) => [g.number, g.usedVia, g.current])).toEqual([
      [4, null, true],
      [3, "proactive", false],
      [2, "proactive", false],
      [1, "proactive", false],
    ]);
    const hashes = (await server.db.refreshToken.findMany({ where: { sessionId } })).map((row) => row.tokenHash);
    for (const secret of [...tokens, ...hashes]) {
      for (let i = 0; i + 8 <= secret.length; i += 4) expect(text).not.toContain(secret.slice(i, i + 8));
    }
    expect((await fetch(`${server.url}/api/demo/timeline`)).status).toBe(401);
  });
});
