// Two stateless app instances behind an imaginary load balancer, one PostgreSQL
// database: any instance can serve any request, rotation and reuse detection hold
// across them, and a crash in the middle of a refresh leaves no half-rotated session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashRefreshToken } from "@/lib/auth/token-pair";
import { startInstances, type Instances } from "../support/cluster";
import { DEMO } from "../support/database";
import { login, parseSetCookies, refreshWith } from "../support/http";
import { startServer } from "../support/server";

const UNLIMITED = "1000000/60";
// One public origin for all instances, as behind a load balancer: tokens name it as
// their issuer and audience, so any instance accepts what another issued.
const REUSE_GRACE_SECONDS = 120;
const env = {
  APP_URL: "http://app.cluster.test",
  RATE_LIMIT_REFRESH_FAILURES_PER_IP: UNLIMITED,
  RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
  // Sign-in attempts count while in flight (consumed before bcrypt), so twelve
  // concurrent sign-ins to one account would meet the per-account limit; the limits have
  // their own tests (rate-limits.test.ts).
  RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
  DATABASE_POOL_SIZE: "5",
  // Longer than a burst of 50 refreshes can take on a loaded machine, so that none of
  // them arrives after the window has closed (which would rightly be theft); the window's
  // end is reached below by moving the rotation into the past.
  REFRESH_REUSE_GRACE_SECONDS: String(REUSE_GRACE_SECONDS),
};

let cluster: Instances;
beforeAll(async () => {
  cluster = await startInstances(env);
});
afterAll(() => cluster?.stop());

const refreshCookie = (response: Response) => parseSetCookies(response).find((c) => c.name === "refresh_token")?.value;

async function sessionIdOf(refreshToken: string): Promise<string> {
  return (
    await cluster.database.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashRefreshToken(refreshToken) } })
  ).sessionId;
}

describe("two instances, one database", () => {
  it("sign in on A, refresh on B, replay the old token on A: the family is revoked on both", async () => {
    const { jar } = await login(cluster.a.url, DEMO);
    const r0 = jar.get("refresh_token")!;
    const onB = await refreshWith(cluster.b.url, r0);
    expect(onB.status).toBe(200);
    const r1 = refreshCookie(onB)!;
    const access = parseSetCookies(onB).find((c) => c.name === "access_token")!.value;
    const meOnA = await fetch(`${cluster.a.url}/api/me`, { headers: { cookie: `access_token=${access}` } });
    expect(meOnA.status).toBe(200);

    // Out of the grace window, then the replay on the other instance.
    await cluster.database.db.refreshToken.updateMany({
      where: { usedAt: { not: null } },
      data: { usedAt: new Date(Date.now() - (REUSE_GRACE_SECONDS + 10) * 1000) },
    });
    const replay = await refreshWith(cluster.a.url, r0);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe("refresh_token_reused");

    for (const server of [cluster.a, cluster.b]) {
      const current = await refreshWith(server.url, r1);
      expect(current.status).toBe(401);
      expect((await fetch(`${server.url}/api/me`, { headers: { cookie: `access_token=${access}` } })).status).toBe(401);
    }
    const session = await cluster.database.db.session.findUniqueOrThrow({ where: { id: await sessionIdOf(r1) } });
    expect(session.revokedReason).toBe("refresh_token_reused");
  });

  it("50 concurrent refreshes of one token across both instances: one successor, no 5xx", async () => {
    const { jar } = await login(cluster.a.url, DEMO);
    const token = jar.get("refresh_token")!;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => refreshWith((i % 2 ? cluster.a : cluster.b).url, token)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(responses.map(refreshCookie)).size).toBe(1);
    const sessionId = await sessionIdOf(token);
    const rows = await cluster.database.db.refreshToken.findMany({ where: { sessionId } });
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.usedAt === null)).toHaveLength(1);
    expect((await cluster.database.db.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toBeNull();
  });
});

describe("an instance killed in the middle of a refresh burst", () => {
  it("leaves every session with one usable current token, or revoked with a reason", async () => {
    const victim = await startServer(env, { database: cluster.database });
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => ({
        token: (await login(cluster.b.url, DEMO)).jar.get("refresh_token")!,
        failures: 0,
      })),
    );
    const sessionIds = await Promise.all(clients.map((c) => sessionIdOf(c.token)));
    const statuses: number[] = [];
    let stop = false;

    // Each client follows its own chain on the victim until it dies, then on B. A request
    // cut off by the crash is retried with the same token: within the grace window that
    // gets the current pair whether or not the crashed instance had committed.
    const burst = clients.map(async (client) => {
      let server = victim;
      while (!stop) {
        try {
          const response = await refreshWith(server.url, client.token);
          statuses.push(response.status);
          if (response.status !== 200) break;
          client.token = refreshCookie(response)!;
        } catch {
          client.failures++;
          server = cluster.b;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await victim.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(burst);

    expect(clients.some((c) => c.failures > 0)).toBe(true); // the crash did cut requests off
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(20);
    for (const sessionId of sessionIds) {
      const session = await cluster.database.db.session.findUniqueOrThrow({
        where: { id: sessionId },
        include: { refreshTokens: { where: { usedAt: null } } },
      });
      if (session.revokedAt) expect(session.revokedReason).toBeTruthy();
      else expect(session.refreshTokens).toHaveLength(1);
    }
    // The clients whose request was cut off carried on with B.
    for (const client of clients) expect((await refreshWith(cluster.b.url, client.token)).status).toBe(200);
  });
});
