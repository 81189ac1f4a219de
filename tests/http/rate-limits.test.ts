import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login, refreshWith } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ RATE_LIMIT_REGISTER_PER_IP: "3/3600", RATE_LIMIT_REFRESH_FAILURES_PER_IP: "3/60" });
});
afterAll(() => server?.stop());

describe("login rate limit (10 failures per account per 15 minutes)", () => {
  it("answers the 11th failure with 429 + Retry-After, refuses the right password too, and survives a restart", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await login(server.url, { email: DEMO.email, password: `wrong-${i}` })).response.status).toBe(401);
    }
    const limited = (await login(server.url, { email: DEMO.email, password: "wrong-again" })).response;
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: "rate_limited", message: expect.any(String) });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect((await login(server.url, DEMO)).response.status).toBe(429);

    await server.restart();
    expect((await login(server.url, DEMO)).response.status).toBe(429);

    // When the window has passed (moved into the past here), the right password works.
    await server.db.rateLimiterFlexible.updateMany({ data: { expire: new Date(Date.now() - 1000) } });
    expect((await login(server.url, DEMO)).response.status).toBe(200);
  });

  it("limits unknown emails the same way, so the limit does not reveal accounts", async () => {
    const ghost = { email: "ghost@example.com", password: "whatever" };
    for (let i = 0; i < 10; i++) await login(server.url, ghost);
    expect((await login(server.url, ghost)).response.status).toBe(429);
  });
});

describe("register rate limit", () => {
  it("limits sign-ups per client address", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `burst-${i}@example.com`, password: "burst password" }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});

describe("refresh rate limit (failures per client address)", () => {
  it("answers failures past the limit with 429, while a valid token still rotates", async () => {
    const { jar } = await login(server.url, DEMO);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await refreshWith(server.url, `${"A".repeat(42)}${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await refreshWith(server.url, "B".repeat(43));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.getSetCookie()).toEqual([]);
    expect((await refreshWith(server.url, jar.get("refresh_token")!)).status).toBe(200);
  });
});
