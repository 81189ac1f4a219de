import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, refreshWith, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function register(email: string, password: string): Promise<{ response: Response; jar: CookieJar }> {
  const response = await fetch(`${server.url}/api/auth/register`, json({ email, password }));
  const jar = new CookieJar();
  jar.store(response);
  return { response, jar };
}

const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

type SessionView = { id: string; current: boolean; ip: string | null; device: { browser: string; os: string } };

async function sessionsOf(jar: CookieJar): Promise<SessionView[]> {
  const response = await fetch(`${server.url}/api/sessions`, withCookies(jar));
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: SessionView[] }).sessions;
}

describe("register", () => {
  it("creates the account, normalises the email and signs in", async () => {
    const { response, jar } = await register("  New.User@Example.COM ", "a long enough passphrase");
    expect(response.status).toBe(201);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe("new.user@example.com");
    expect(jar.get("access_token")).toBeDefined();
    expect(jar.get("refresh_token")).toBeDefined();
    const me = await fetch(`${server.url}/api/me`, withCookies(jar));
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe("new.user@example.com");
  });

  it("answers a taken email with 409 email_taken", async () => {
    const { response } = await register("DEMO@example.com", "another long passphrase");
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "email_taken", message: expect.any(String) });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ["too short", "short", /at least 8/],
    ["too long", "x".repeat(257), /at most 256/],
  ])("refuses a %s password with 400 and a message", async (_label, password, message) => {
    const before = await server.db.user.count();
    const { response } = await register(`weak-${_label.replace(/\W/g, "")}@example.com`, password);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("invalid_request");
    expect(body.message).toMatch(message);
    expect(await server.db.user.count()).toBe(before);
  });

  it("accepts 64-character passwords and tells apart passwords sharing a 72-byte prefix", async () => {
    const prefix = "p".repeat(72);
    const { response } = await register("long@example.com", `${prefix}-one`);
    expect(response.status).toBe(201);
    expect((await login(server.url, { email: "long@example.com", password: `${prefix}-two` })).response.status).toBe(
      401,
    );
    expect((await login(server.url, { email: "long@example.com", password: `${prefix}-one` })).response.status).toBe(
      200,
    );
    expect((await register("sixty-four@example.com", "6".repeat(64))).response.status).toBe(201);
  });
});

describe("sessions", () => {
  it("lists two sign-ins with parsed devices, the current one marked", async () => {
    await register("two-devices@example.com", "two devices password");
    const creds = { email: "two-devices@example.com", password: "two devices password" };
    const mac = (await login(server.url, creds, new CookieJar(), { "user-agent": CHROME_MAC })).jar;
    await login(server.url, creds, new CookieJar(), { "user-agent": FIREFOX_WINDOWS, "x-forwarded-for": "6.6.6.6" });
    const sessions = await sessionsOf(mac);
    const devices = sessions.map((s) => `${s.device.browser} on ${s.device.os}`);
    expect(devices).toEqual(expect.arrayContaining(["Chrome on macOS", "Firefox on Windows"]));
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.find((s) => s.current)!.device.browser).toBe("Chrome");
    // The address comes from the socket; a client-sent X-Forwarded-For is not believed.
    expect(sessions.every((s) => s.ip === "127.0.0.1")).toBe(true);
  });

  it("revoking one makes its access cookie useless at once and its refresh token fail", async () => {
    await register("revoke-one@example.com", "revoke one password");
    const creds = { email: "revoke-one@example.com", password: "revoke one password" };
    const a = (await login(server.url, creds)).jar;
    const b = (await login(server.url, creds)).jar;
    const target = ((await (await fetch(`${server.url}/api/me`, withCookies(b))).json()) as { session: { id: string } })
      .session;

    const revoke = await fetch(`${server.url}/api/sessions/${target.id}`, withCookies(a, { method: "DELETE" }));
    expect(revoke.status).toBe(204);
    expect((await fetch(`${server.url}/api/me`, withCookies(b))).status).toBe(401);
    const page = await fetch(`${server.url}/dashboard`, withCookies(b));
    expect(page.status).toBe(307); // redirect() to the login page
    expect((await refreshWith(server.url, b.get("refresh_token")!)).status).toBe(401);
    // Again, or someone else's session: 404.
    expect((await fetch(`${server.url}/api/sessions/${target.id}`, withCookies(a, { method: "DELETE" }))).status).toBe(
      404,
    );
    const demo = (await login(server.url, DEMO)).jar;
    const own = (await sessionsOf(a)).find((s) => s.current)!;
    expect((await fetch(`${server.url}/api/sessions/${own.id}`, withCookies(demo, { method: "DELETE" }))).status).toBe(
      404,
    );
    expect((await fetch(`${server.url}/api/me`, withCookies(a))).status).toBe(200);
  });

  it("revoke-others leaves only the current session", async () => {
    await register("revoke-others@example.com", "revoke others password");
    const creds = { email: "revoke-others@example.com", password: "revoke others password" };
    const keep = (await login(server.url, creds)).jar;
    await login(server.url, creds);
    await login(server.url, creds);
    const response = await fetch(`${server.url}/api/sessions/revoke-others`, withCookies(keep, { method: "POST" }));
    expect(response.status).toBe(200);
    // The registration's own session plus the two other sign-ins.
    expect(await response.json()).toEqual({ revoked: 3 });
    const left = await sessionsOf(keep);
    expect(left).toHaveLength(1);
    expect(left[0]!.current).toBe(true);
  });

  it("needs a signed-in caller", async () => {
    expect((await fetch(`${server.url}/api/sessions`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/sessions/revoke-others`, { method: "POST" })).status).toBe(401);
  });
});

describe("change password", () => {
  it("revokes the other sessions, keeps this one with new cookies, and the old password stops working", async () => {
    const creds = { email: "changer@example.com", password: "the original password" };
    const { jar: mine } = await register(creds.email, creds.password);
    const other = (await login(server.url, creds)).jar;

    const wrong = await fetch(
      `${server.url}/api/account/password`,
      withCookies(mine, json({ currentPassword: "not it", newPassword: "a brand new password" })),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBeNull();
    const weak = await fetch(
      `${server.url}/api/account/password`,
      withCookies(mine, json({ currentPassword: creds.password, newPassword: "short" })),
    );
    expect(weak.status).toBe(400);

    const oldRefresh = mine.get("refresh_token")!;
    const response = await fetch(
      `${server.url}/api/account/password`,
      withCookies(mine, json({ currentPassword: creds.password, newPassword: "a brand new password" })),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revokedSessions: 1 });
    expect(
      parseSetCookies(response)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["access_token", "refresh_token"]);
    mine.store(response);
    expect(mine.get("refresh_token")).not.toBe(oldRefresh);

    expect((await fetch(`${server.url}/api/me`, withCookies(mine))).status).toBe(200);
    expect((await refreshWith(server.url, mine.get("refresh_token")!)).status).toBe(200);
    expect((await fetch(`${server.url}/api/me`, withCookies(other))).status).toBe(401);
    expect((await login(server.url, creds)).response.status).toBe(401);
    expect((await login(server.url, { ...creds, password: "a brand new password" })).response.status).toBe(200);
  });
});

describe("activity", () => {
  it("shows the user's recent events in words on the dashboard", async () => {
    const creds = { email: "activity@example.com", password: "activity password" };
    await register(creds.email, creds.password);
    await login(server.url, { ...creds, password: "wrong password!" });
    const { jar } = await login(server.url, creds);
    const html = await (await fetch(`${server.url}/dashboard`, withCookies(jar))).text();
    for (const text of ["Account created", "Failed sign-in attempt (wrong password)", "Signed in"]) {
      expect(html).toContain(text);
    }
  });
});
