// Cookies over https (APP_URL https; the test talks plain http to the server, as a TLS
// terminating proxy would): prefixed names, Secure, planted cookies ignored, no fixation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, parseSetCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const APP_URL = "https://app.example.test";
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ APP_URL });
});
afterAll(() => server?.stop());

async function httpsLogin(cookie?: string): Promise<Response> {
  return fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: APP_URL, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(DEMO),
  });
}

function jarOf(response: Response): CookieJar {
  const jar = new CookieJar();
  jar.store(response);
  return jar;
}

describe("https mode", () => {
  it("uses __Host- and __Secure- names with Secure, and no Domain", async () => {
    const cookies = Object.fromEntries(parseSetCookies(await httpsLogin()).map((c) => [c.name, c]));
    expect(Object.keys(cookies).sort()).toEqual([
      "__Host-access_token",
      "__Secure-device_id",
      "__Secure-refresh_token",
    ]);
    expect(cookies["__Host-access_token"]!.attributes).toMatchObject({ secure: true, path: "/", httponly: true });
    expect(cookies["__Host-access_token"]!.attributes.domain).toBeUndefined();
    expect(cookies["__Secure-refresh_token"]!.attributes).toMatchObject({
      secure: true,
      path: "/api/auth",
      samesite: "strict",
    });
    // The device cookie (new-device notices, decision 0022) travels only to the auth routes too.
    expect(cookies["__Secure-device_id"]!.attributes).toMatchObject({
      secure: true,
      path: "/api/auth",
      httponly: true,
      samesite: "strict",
    });
    expect(cookies["__Secure-device_id"]!.attributes.domain).toBeUndefined();
  });

  it("sends HSTS", async () => {
    const response = await fetch(`${server.url}/login`);
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d{8}/);
  });

  it("ignores an unprefixed cookie planted by a sibling subdomain, even with a valid token", async () => {
    const jar = jarOf(await httpsLogin());
    const token = jar.get("__Host-access_token")!;
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie: `__Host-access_token=${token}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie: `access_token=${token}` } })).status).toBe(401);
    const refresh = jar.get("__Secure-refresh_token")!;
    const planted = await fetch(`${server.url}/api/auth/refresh`, {
      method: "POST",
      headers: { cookie: `refresh_token=${refresh}`, origin: APP_URL },
    });
    expect(planted.status).toBe(401);
  });

  it("keeps each cookie well under the 4096-byte browser limit", async () => {
    for (const line of (await httpsLogin()).headers.getSetCookie()) {
      expect(Buffer.byteLength(line)).toBeLessThan(4096);
    }
  });

  it("replaces pre-planted session cookies on sign-in (no fixation)", async () => {
    // The attacker signs in and plants their own cookies in the victim's browser.
    const attacker = jarOf(await httpsLogin());
    const plantedCookies = attacker.header();
    const victimResponse = await httpsLogin(plantedCookies);
    const victim = jarOf(victimResponse);
    expect(victim.get("__Host-access_token")).not.toBe(attacker.get("__Host-access_token"));
    expect(victim.get("__Secure-refresh_token")).not.toBe(attacker.get("__Secure-refresh_token"));
    const sessionOf = async (jar: CookieJar) =>
      (
        (await (await fetch(`${server.url}/api/me`, { headers: { cookie: jar.header() } })).json()) as {
          session: { id: string };
        }
      ).session.id;
    expect(await sessionOf(victim)).not.toBe(await sessionOf(attacker));
  });
});
