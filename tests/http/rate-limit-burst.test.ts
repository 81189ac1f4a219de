// Concurrent bursts against the password-attempt throttle: a limit that is read before
// bcrypt and written after it lets every request in flight through. Consumed atomically
// before the check, exactly `limit` attempts get a verdict, per account and per address,
// whichever door (sign-in, token endpoint, password change) they come through. Runs on
// SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { DEMO } from "../support/database";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const PER_ACCOUNT = 10;
const PER_IP = 60;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    RATE_LIMIT_LOGIN_PER_ACCOUNT: `${PER_ACCOUNT}/900`,
    RATE_LIMIT_LOGIN_PER_IP: `${PER_IP}/900`,
    // A bcrypt slow enough that requests overlap while it runs: the window the race needs.
    BCRYPT_COST: "8",
    // The legacy password grant is one of the doors that share the throttle.
    OAUTH_PASSWORD_GRANT: "enabled",
    // The burst is about the limiter: room for all of it in the password workers' queue
    // (a full queue answers 503 without a verdict: tests/http/login-overload.test.ts).
    PASSWORD_QUEUE_LIMIT: "1000",
  });
});
afterAll(() => server?.stop());

// Every test starts with fresh counters (they are per account and per address, and all
// requests here come from 127.0.0.1).
const resetCounters = () => server.db.rateLimiterFlexible.deleteMany();

async function createUser(email: string, password: string) {
  await server.db.user.create({ data: { email, passwordHash: await hashPassword(password, 4) } });
}

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});

function tokenGrant(username: string, password: string) {
  return fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", username, password }),
  });
}

describe("a concurrent burst against one account", () => {
  it("gives exactly the limit of attempts a verdict; the rest, the right password included, get 429", async () => {
    await resetCounters();
    const email = "burst-account@example.com";
    await createUser(email, "the right password");
    // 40 at once, the right password at position 15 (the reviewer's reproduction).
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const password = i === 15 ? "the right password" : `wrong ${i}`;
        return (await login(server.url, { email, password })).response.status;
      }),
    );
    const counts = tally(statuses);
    expect((counts[401] ?? 0) + (counts[200] ?? 0), JSON.stringify(counts)).toBe(PER_ACCOUNT);
    expect(counts[429], JSON.stringify(counts)).toBe(40 - PER_ACCOUNT);
    // Only the attempts that got through ran bcrypt and were recorded.
    const { id: userId } = await server.db.user.findUniqueOrThrow({ where: { email } });
    const failures = await server.db.authEvent.count({ where: { type: "login_failed", userId } });
    expect(failures).toBe(counts[401] ?? 0);
  });

  it("shares one budget between sign-in, the token endpoint's password grant and the password change", async () => {
    await resetCounters();
    const email = "burst-doors@example.com";
    await createUser(email, "the right password");
    // A signed-in session (as a thief with a stolen token would have).
    const grant = (await (await tokenGrant(email, "the right password")).json()) as { access_token: string };
    const change = (currentPassword: string) =>
      fetch(`${server.url}/api/account/password`, {
        method: "POST",
        headers: { authorization: `Bearer ${grant.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ currentPassword, newPassword: "a brand new password" }),
      });
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const guess = `wrong ${i}`;
        const door = i % 3;
        const response =
          door === 0
            ? (await login(server.url, { email, password: guess })).response
            : door === 1
              ? await tokenGrant(email, guess)
              : await change(guess);
        return response.status;
      }),
    );
    const counts = tally(statuses);
    expect(counts[429], JSON.stringify(counts)).toBe(30 - PER_ACCOUNT);
    expect((counts[401] ?? 0) + (counts[400] ?? 0), JSON.stringify(counts)).toBe(PER_ACCOUNT);
    // Locked on every door, for the right password too.
    expect((await change("the right password")).status).toBe(429);
    expect((await tokenGrant(email, "the right password")).status).toBe(429);
    expect((await login(server.url, { email, password: "the right password" })).response.status).toBe(429);
  });

  it("limits the current-password check of POST /api/account/password (25 guesses through a bearer token)", async () => {
    await resetCounters();
    const email = "burst-change@example.com";
    await createUser(email, "the right password");
    const grant = (await (await tokenGrant(email, "the right password")).json()) as { access_token: string };
    const statuses = [];
    for (let i = 0; i < 25; i++) {
      const response = await fetch(`${server.url}/api/account/password`, {
        method: "POST",
        headers: { authorization: `Bearer ${grant.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: `wrong ${i}`, newPassword: "a brand new password" }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, PER_ACCOUNT)).toEqual(Array(PER_ACCOUNT).fill(401));
    expect(statuses.slice(PER_ACCOUNT)).toEqual(Array(25 - PER_ACCOUNT).fill(429));
    const right = await fetch(`${server.url}/api/account/password`, {
      method: "POST",
      headers: { authorization: `Bearer ${grant.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: "the right password", newPassword: "a brand new password" }),
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not count right passwords: a user who signs in often is never locked out", async () => {
    await resetCounters();
    for (let i = 0; i < PER_ACCOUNT + 5; i++) {
      expect((await login(server.url, DEMO)).response.status).toBe(200);
    }
  });
});

describe("a concurrent burst from one address", () => {
  it("gives exactly the per-address limit of attempts a verdict, spread over many accounts", async () => {
    await resetCounters();
    const statuses = await Promise.all(
      Array.from(
        { length: PER_IP + 30 },
        async (_, i) =>
          (await login(server.url, { email: `spread-${i}@example.com`, password: "a guess" })).response.status,
      ),
    );
    const counts = tally(statuses);
    expect(counts[401], JSON.stringify(counts)).toBe(PER_IP);
    expect(counts[429], JSON.stringify(counts)).toBe(30);
  });
});
