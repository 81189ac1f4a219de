import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login, withCookies, type CookieJar } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jar: CookieJar;
let staticAsset: string;

beforeAll(async () => {
  server = await startServer();
  jar = (await login(server.url, DEMO)).jar;
  const html = await (await fetch(`${server.url}/login`)).text();
  staticAsset = html.match(/\/_next\/static\/[^"]+\.js/)![0];
});
afterAll(() => server?.stop());

const fixed = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
};

describe("every response carries the fixed security headers", () => {
  it.each([
    ["a public page", "/", {}],
    ["a protected page", "/dashboard", { auth: true }],
    ["a JSON API", "/api/me", { auth: true }],
    ["a 401", "/api/me", {}],
    ["a redirect", "/dashboard", {}],
    ["a 404", "/no-such-page", {}],
    ["a static asset", "STATIC", {}],
  ])("%s", async (_label, path, options: { auth?: boolean }) => {
    const url = `${server.url}${path === "STATIC" ? staticAsset : path}`;
    const response = await fetch(url, options.auth ? withCookies(jar) : { redirect: "manual" });
    for (const [name, value] of Object.entries(fixed)) expect(response.headers.get(name)).toBe(value);
    if (path !== "STATIC") expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

describe("Content-Security-Policy", () => {
  it("gives pages a fresh nonce, no unsafe-inline scripts, and puts the nonce on Next.js's scripts", async () => {
    const [a, b] = [await fetch(`${server.url}/login`), await fetch(`${server.url}/login`)];
    const csp = a.headers.get("content-security-policy")!;
    const nonce = csp.match(/'nonce-([^']+)'/)![1]!;
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(b.headers.get("content-security-policy")).not.toContain(nonce);
    const html = await a.text();
    const scripts = html.match(/<script[^>]*>/g)!;
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it("lets JSON responses load nothing", async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });

  it("sends no HSTS over plain http", async () => {
    expect((await fetch(`${server.url}/`)).headers.get("strict-transport-security")).toBeNull();
  });
});

describe("caching", () => {
  it.each([
    ["POST", "/api/auth/login"],
    ["POST", "/api/auth/refresh"],
    ["POST", "/api/auth/logout"],
    ["GET", "/api/auth/refresh"],
    ["GET", "/api/me"],
    ["GET", "/api/sessions"],
  ])("%s %s is no-store", async (method, path) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: method === "POST" ? "{}" : undefined,
      redirect: "manual",
    });
    expect(response.headers.get("cache-control")).toContain("no-store");
  });

  it.each(["/dashboard", "/dashboard/sessions"])("the user-data page %s is no-store", async (path) => {
    const response = await fetch(`${server.url}${path}`, withCookies(jar));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
  });
});
