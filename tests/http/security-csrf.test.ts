// Cross-site requests: every state-changing route refuses another origin with 403
// csrf_rejected and changes nothing; GET changes no state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseState, DEMO } from "../support/database";
import { login, withCookies, type CookieJar } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jar: CookieJar;
let sessionId: string;

beforeAll(async () => {
  server = await startServer();
  jar = (await login(server.url, DEMO)).jar;
  sessionId = ((await (await fetch(`${server.url}/api/me`, withCookies(jar))).json()) as { session: { id: string } })
    .session.id;
});
afterAll(() => server?.stop());

const routes: [string, string, unknown][] = [
  ["POST", "/api/auth/login", DEMO],
  ["POST", "/api/auth/logout", undefined],
  ["POST", "/api/auth/refresh", undefined],
  ["POST", "/api/auth/register", { email: "csrf@example.com", password: "a csrf password" }],
  ["POST", "/api/sessions/revoke-others", undefined],
  ["POST", "/api/account/password", { currentPassword: DEMO.password, newPassword: "changed by csrf" }],
  ["DELETE", "/api/sessions/SESSION", undefined],
  ["POST", "/api/demo/drop-access-token", undefined],
  ["POST", "/api/demo/replay-refresh-token", undefined],
];

describe.each([
  ["an Origin of another site", { origin: "https://evil.example" }],
  ["Origin: null (sandboxed frame)", { origin: "null" }],
  ["Sec-Fetch-Site: cross-site without Origin", { "sec-fetch-site": "cross-site" }],
  ["a sibling subdomain (same-site, not same-origin)", { "sec-fetch-site": "same-site" }],
])("%s", (_label, attackHeaders) => {
  it.each(routes)("%s %s → 403 csrf_rejected, nothing changed", async (method, path, body) => {
    const before = await databaseState(server.db);
    const response = await fetch(
      `${server.url}${path.replace("SESSION", sessionId)}`,
      withCookies(jar, {
        method,
        headers: { "content-type": "application/json", ...attackHeaders },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "csrf_rejected", message: expect.any(String) });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await databaseState(server.db)).toEqual(before);
  });
});

describe("same origin", () => {
  it("is allowed", async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.origin, "sec-fetch-site": "same-origin" },
      body: JSON.stringify(DEMO),
    });
    expect(response.status).toBe(200);
  });
});

describe("GET changes no state", () => {
  it.each([
    "/api/auth/logout",
    "/api/auth/login",
    "/api/auth/register",
    "/api/sessions/revoke-others",
    "/api/account/password",
  ])("GET %s is not a way to change anything", async (path) => {
    const before = await databaseState(server.db);
    const response = await fetch(`${server.url}${path}`, withCookies(jar));
    expect(response.status).toBe(405);
    expect(await databaseState(server.db)).toEqual(before);
  });

  it("the navigation refresh only redirects to same-origin paths", async () => {
    const response = await fetch(`${server.url}/api/auth/refresh?next=https%3A%2F%2Fevil.example`, {
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("location")!).origin).toBe(server.origin);
  });
});
