// The password-attempt throttle across two instances on one PostgreSQL database: a
// concurrent burst split between them gets exactly the limit of verdicts, per account
// and per address, because the attempt is consumed atomically in the shared database
// before either instance runs bcrypt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { startInstances, type Instances } from "../support/cluster";
import { login } from "../support/http";

const PER_ACCOUNT = 10;
const PER_IP = 30;
const env = {
  APP_URL: "http://app.cluster.test",
  RATE_LIMIT_LOGIN_PER_ACCOUNT: `${PER_ACCOUNT}/900`,
  RATE_LIMIT_LOGIN_PER_IP: `${PER_IP}/900`,
  // Slow enough that requests on both instances overlap while bcrypt runs.
  BCRYPT_COST: "8",
  DATABASE_POOL_SIZE: "5",
};

let cluster: Instances;
beforeAll(async () => {
  cluster = await startInstances(env);
});
afterAll(() => cluster?.stop());

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});

describe("password attempts across two instances", () => {
  it("a burst on one account, split between A and B, gets exactly the per-account limit of verdicts", async () => {
    await cluster.database.db.rateLimiterFlexible.deleteMany();
    const email = "cluster-burst@example.com";
    await cluster.database.db.user.create({
      data: { email, passwordHash: await hashPassword("the right password", 4) },
    });
    const statuses = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const password = i === 15 ? "the right password" : `wrong ${i}`;
        return (await login((i % 2 ? cluster.a : cluster.b).url, { email, password })).response.status;
      }),
    );
    const counts = tally(statuses);
    expect((counts[401] ?? 0) + (counts[200] ?? 0), JSON.stringify(counts)).toBe(PER_ACCOUNT);
    expect(counts[429], JSON.stringify(counts)).toBe(24 - PER_ACCOUNT);
  });

  it("a burst from one address over many accounts, split between A and B, gets exactly the per-address limit", async () => {
    await cluster.database.db.rateLimiterFlexible.deleteMany();
    const statuses = await Promise.all(
      Array.from(
        { length: PER_IP + 16 },
        async (_, i) =>
          (
            await login((i % 2 ? cluster.a : cluster.b).url, {
              email: `cluster-spread-${i}@example.com`,
              password: "a guess",
            })
          ).response.status,
      ),
    );
    const counts = tally(statuses);
    expect(counts[401], JSON.stringify(counts)).toBe(PER_IP);
    expect(counts[429], JSON.stringify(counts)).toBe(16);
  });
});
