// Guards the dummy hash: an unknown email must cost a bcrypt comparison like a wrong
// password does. Not a speed test: it compares medians with a generous factor.
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  // A cost high enough that skipping bcrypt would show (about 50 ms a hash),
  // and no rate limit in the way of the repeated failures.
  server = await startServer({
    BCRYPT_COST: "10",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000/900",
    RATE_LIMIT_LOGIN_PER_IP: "1000/900",
  });
  // The demo user was hashed at cost 4 by the test setup; give it a cost-10 hash.
  await login(server.url, DEMO).then(async ({ jar }) => {
    const response = await fetch(`${server.url}/api/account/password`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header() },
      body: JSON.stringify({ currentPassword: DEMO.password, newPassword: DEMO.password }),
    });
    expect(response.status).toBe(200);
  });
});
afterAll(() => server?.stop());

async function median(run: () => Promise<unknown>, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

it("takes about as long for an unknown email as for a wrong password", async () => {
  const wrongPassword = () => login(server.url, { email: DEMO.email, password: "wrong password" });
  const unknownEmail = () => login(server.url, { email: "nobody@example.com", password: "wrong password" });
  await wrongPassword();
  await unknownEmail();
  const [wrong, unknown] = [await median(wrongPassword, 15), await median(unknownEmail, 15)];
  expect(unknown / wrong).toBeGreaterThan(0.5);
  expect(unknown / wrong).toBeLessThan(2);
});

// Hashing runs in a worker pool (lib/auth/password-pool.ts): concurrent attempts queue
// for the same workers whichever kind they are, so a burst must not separate the two
// either. Each round sends both kinds at once, interleaved.
it("takes about as long for an unknown email as for a wrong password in concurrent bursts", async () => {
  const timed = async (email: string) => {
    const start = performance.now();
    const { response } = await login(server.url, { email, password: "wrong password" });
    expect(response.status).toBe(401);
    return { email, ms: performance.now() - start };
  };
  const samples: { email: string; ms: number }[] = [];
  for (let round = 0; round < 5; round++) {
    const burst = [DEMO.email, "nobody@example.com", DEMO.email, "nobody@example.com"];
    samples.push(...(await Promise.all(burst.map(timed))));
  }
  const medianOf = (email: string) => {
    const sorted = samples.filter((s) => s.email === email).map((s) => s.ms);
    sorted.sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const ratio = medianOf("nobody@example.com") / medianOf(DEMO.email);
  expect(ratio).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
});
