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

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

it("takes about as long for an unknown email as for a wrong password", async () => {
  const wrongPassword = () => login(server.url, { email: DEMO.email, password: "wrong password" });
  const unknownEmail = () => login(server.url, { email: "nobody@example.com", password: "wrong password" });
  await wrongPassword();
  await unknownEmail();
  // Interleaved, in alternating order: a burst of load from a neighbouring process then
  // slows both kinds alike, instead of landing on whichever block ran during it (a CI run
  // measured 15 of one kind, then 15 of the other, and saw a ratio of 2.9 from noise).
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let round = 0; round < 15; round++) {
    const wrongFirst = round % 2 === 0;
    if (wrongFirst) wrong.push(await timed(wrongPassword));
    unknown.push(await timed(unknownEmail));
    if (!wrongFirst) wrong.push(await timed(wrongPassword));
  }
  const ratio = median(unknown) / median(wrong);
  expect(ratio).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
});

// Hashing runs in a worker pool (lib/auth/password-pool.ts): concurrent attempts queue
// for the same workers whichever kind they are, so a burst must not separate the two
// either. Each round sends both kinds at once, interleaved.
it("takes about as long for an unknown email as for a wrong password in concurrent bursts", async () => {
  const timedLogin = async (email: string) => {
    const start = performance.now();
    const { response } = await login(server.url, { email, password: "wrong password" });
    expect(response.status).toBe(401);
    return { email, ms: performance.now() - start };
  };
  const samples: { email: string; ms: number }[] = [];
  for (let round = 0; round < 5; round++) {
    const burst = [DEMO.email, "nobody@example.com", DEMO.email, "nobody@example.com"];
    samples.push(...(await Promise.all(burst.map(timedLogin))));
  }
  const medianOf = (email: string) => median(samples.filter((s) => s.email === email).map((s) => s.ms));
  const ratio = medianOf("nobody@example.com") / medianOf(DEMO.email);
  expect(ratio).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
});
