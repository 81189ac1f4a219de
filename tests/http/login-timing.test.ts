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
