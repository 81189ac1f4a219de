// The password workers' queue is bounded (lib/auth/password-pool.ts): a burst of sign-ins
// beyond it is answered 503 + Retry-After in the JSON error shape, at once, for known and
// unknown emails alike; nothing else fails, and the server serves again afterwards.
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    // One worker, one waiting job: the third concurrent sign-in finds the queue full.
    PASSWORD_WORKERS: "1",
    PASSWORD_QUEUE_LIMIT: "1",
    // A cost at which a comparison lasts long enough for the burst to overlap it.
    BCRYPT_COST: "10",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000/900",
    RATE_LIMIT_LOGIN_PER_IP: "1000/900",
    RATE_LIMIT_REGISTER_PER_IP: "1000/3600",
    OAUTH_PASSWORD_GRANT: "enabled",
  });
});
afterAll(() => server?.stop());

it("answers a burst beyond the queue bound with 503 overloaded + Retry-After, and recovers", async () => {
  const attempts = Array.from({ length: 12 }, (_, i) => ({
    email: i % 2 === 0 ? DEMO.email : `nobody${i}@example.com`,
    password: "wrong password",
  }));
  const responses = await Promise.all(attempts.map((credentials) => login(server.url, credentials)));
  const statuses = responses.map(({ response }) => response.status);
  // Never a 5xx other than the deliberate 503, never a sign-in.
  expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
  const overloaded = responses.filter(({ response }) => response.status === 503);
  expect(overloaded.length).toBeGreaterThan(0);
  for (const { response, jar } of overloaded) {
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: "overloaded", message: expect.any(String) });
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(jar.cookies.size).toBe(0);
  }
  // Once the burst is through, the right password signs in.
  const { response } = await login(server.url, DEMO);
  expect(response.status).toBe(200);
});

// Every other route that hashes or verifies a password answers a full queue the same way
// (lib/http/unavailable.ts): before, they answered 500.
it("answers a burst of registrations and password grants beyond the queue bound with 503, never a 500", async () => {
  const registrations = Array.from({ length: 8 }, (_, i) =>
    fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `burst-${i}-${Date.now()}@example.com`, password: "a long passphrase 42" }),
    }),
  );
  const grants = Array.from({ length: 8 }, () =>
    fetch(`${server.url}/api/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username: DEMO.email, password: "wrong password" }),
    }),
  );
  const responses = await Promise.all([...registrations, ...grants]);
  const statuses = responses.map((r) => r.status);
  expect(statuses.every((s) => [201, 400, 503].includes(s))).toBe(true);
  const overloaded = responses.filter((r) => r.status === 503);
  expect(overloaded.length).toBeGreaterThan(0);
  for (const response of overloaded) {
    expect((await response.json()).error).toBe("overloaded");
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
  }
});
