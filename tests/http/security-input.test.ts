// Hostile bodies and paths: always a 4xx with the JSON error shape, never a 5xx, nothing written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login, withCookies, type CookieJar } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jar: CookieJar;
beforeAll(async () => {
  server = await startServer();
  jar = (await login(server.url, DEMO)).jar;
});
afterAll(() => server?.stop());

async function snapshot() {
  const { db } = server;
  return {
    users: await db.user.count(),
    sessions: await db.session.count(),
    tokens: await db.refreshToken.count(),
    hash: (await db.user.findUniqueOrThrow({ where: { email: DEMO.email } })).passwordHash,
  };
}

const jsonRoutes = ["/api/auth/login", "/api/auth/register", "/api/account/password"];
const longEmail = `${"a".repeat(250)}@example.com`;

const bodies: [string, string, string][] = [
  ["a body over the size cap", "application/json", JSON.stringify({ email: DEMO.email, password: "x".repeat(9000) })],
  ["malformed JSON", "application/json", '{"email": '],
  ["an array where an object is expected", "application/json", JSON.stringify([DEMO])],
  ["a JSON string", "application/json", '"hello"'],
  ["null", "application/json", "null"],
  ["text/plain", "text/plain", JSON.stringify(DEMO)],
  ["multipart/form-data", "multipart/form-data; boundary=x", "--x\r\n\r\n--x--"],
  ["no content type", "", JSON.stringify(DEMO)],
  [
    "an email over the length cap",
    "application/json",
    JSON.stringify({ email: longEmail, password: "long enough password" }),
  ],
  [
    "a lone surrogate in the email",
    "application/json",
    '{"email":"demo\\ud800@example.com","password":"long enough password"}',
  ],
  [
    "a NUL byte in the email",
    "application/json",
    '{"email":"demo\\u0000@example.com","password":"long enough password"}',
  ],
  [
    "a right-to-left override in the email",
    "application/json",
    '{"email":"demo\\u202e@example.com","password":"long enough password"}',
  ],
  ["invalid UTF-8", "application/json", "BINARY"],
  ["nested objects as fields", "application/json", JSON.stringify({ email: { $ne: null }, password: { $gt: "" } })],
];

describe.each(jsonRoutes)("%s", (route) => {
  it.each(bodies)("refuses %s with 400", async (_label, type, body) => {
    const before = await snapshot();
    const payload = body === "BINARY" ? new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) : body;
    const response = await fetch(
      `${server.url}${route}`,
      withCookies(jar, { method: "POST", headers: type ? { "content-type": type } : {}, body: payload }),
    );
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: string; message: string };
    expect(error.error).toBe("invalid_request");
    expect(error.message.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });
});

describe("middleware matcher has no gaps", () => {
  it.each([
    "/Dashboard",
    "/DASHBOARD/sessions",
    "/dashboard/",
    "/dashboard%2Fsessions",
    "/%64ashboard",
    "//dashboard",
    "/_next/data/build-id/dashboard.json",
    "/dashboard.rsc",
  ])("%s never serves dashboard data signed out", async (path) => {
    const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
    expect(response.status).toBeLessThan(500);
    if (response.status === 200) expect(await response.text()).not.toContain(DEMO.email);
    else expect([303, 307, 308, 404]).toContain(response.status);
  });

  it("x-middleware-subrequest does not skip the gate", async () => {
    for (const value of ["middleware", "middleware:middleware:middleware:middleware:middleware", "src/middleware"]) {
      const page = await fetch(`${server.url}/dashboard`, {
        headers: { "x-middleware-subrequest": value },
        redirect: "manual",
      });
      expect(page.status).toBe(303);
      const api = await fetch(`${server.url}/api/me`, { headers: { "x-middleware-subrequest": value } });
      expect(api.status).toBe(401);
    }
  });

  it("an RSC request for the dashboard is gated", async () => {
    const response = await fetch(`${server.url}/dashboard`, { headers: { rsc: "1" }, redirect: "manual" });
    expect(response.status).toBe(303);
  });
});
