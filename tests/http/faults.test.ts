// Faults, on real servers (issue 26): the database taken away under traffic, two processes
// on one SQLite file, a database that refuses writes at startup, and a disk that fills. Each scenario counts
// what it sent and how it was answered. (A server killed with SIGKILL in the middle of a
// refresh burst: tests/cluster/instances.test.ts; readiness and SIGTERM: ops-health.test.ts.)
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, DEMO, testProvider, type TestDatabase } from "../support/database";
import { CookieJar, login, parseSetCookies, refreshWith } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const servers: TestServer[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(databases.splice(0).map((d) => d.cleanup()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshCookie = (response: Response) => parseSetCookies(response).find((c) => c.name === "refresh_token")?.value;
const UNLIMITED = "1000000/60";
const LIMITS = {
  RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
  RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
  RATE_LIMIT_REFRESH_FAILURES_PER_IP: UNLIMITED,
};

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Takes the server's PostgreSQL database away (no new connections, open ones killed) until `restore`. */
async function takeDatabaseAway(server: TestServer) {
  const rows = await server.db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
  const name = rows[0]!.name;
  const admin = new pg.Client(parseIntoClientConfig(process.env.TEST_DATABASE_URL!));
  await admin.connect();
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
  return {
    async restore() {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}

async function expectUnavailable(response: Response) {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await response.json()).toEqual({ error: "database_unreachable", message: expect.any(String) });
}

describe.runIf(testProvider() === "postgresql")("PostgreSQL taken away", () => {
  it("mid-burst of refreshes: 503 + Retry-After, never a 500 or a revoked session, and recovery by itself", async () => {
    const server = await startServer(LIMITS);
    servers.push(server);
    // The test's own client: its connections are the ones the outage kills too.
    const clients = await Promise.all(
      Array.from({ length: 16 }, async () => ({ token: (await login(server.url, DEMO)).jar.get("refresh_token")! })),
    );
    const sessionsBefore = await server.db.session.count({ where: { revokedAt: null } });
    const statuses: number[] = [];
    const unavailable: Response[] = [];
    let stop = false;
    // Each client follows its own chain; a 503 leaves it with the token it had, as a
    // browser keeps its cookies when nothing new was set.
    const burst = clients.map(async (client) => {
      while (!stop) {
        const response = await refreshWith(server.url, client.token);
        statuses.push(response.status);
        if (response.status === 200) client.token = refreshCookie(response)!;
        else if (response.status === 503) unavailable.push(response);
        else return;
        await sleep(20);
      }
    });

    await sleep(1000);
    const outage = await takeDatabaseAway(server);
    await sleep(2000);
    await outage.restore();
    await sleep(2000);
    stop = true;
    await Promise.all(burst);

    const answers = tally(statuses);
    console.log(`database taken away mid-burst: ${statuses.length} refreshes sent, answers ${JSON.stringify(answers)}`);
    expect(Object.keys(answers).sort()).toEqual(["200", "503"]);
    for (const response of unavailable) await expectUnavailable(response);
    // Nothing was lost: every session is alive, and every client's current token works.
    expect(await server.db.session.count({ where: { revokedAt: null } })).toBe(sessionsBefore);
    for (const client of clients) expect((await refreshWith(server.url, client.token)).status).toBe(200);
  }, 120_000);

  it("every route answers 503 or a 4xx while it is away, never a 500", async () => {
    const server = await startServer(LIMITS);
    servers.push(server);
    const { jar } = await login(server.url, DEMO);
    const outage = await takeDatabaseAway(server);
    const answers: string[] = [];
    try {
      for (const { method, path: route } of routeHandlers()) {
        const response = await fetch(`${server.url}${route}`, {
          method,
          headers: {
            cookie: jar.header(),
            origin: server.origin,
            ...(method === "GET" || method === "HEAD" ? {} : { "content-type": "application/json" }),
          },
          body: method === "GET" || method === "HEAD" ? undefined : "{}",
          redirect: "manual",
        });
        const body = response.status >= 500 ? ((await response.json()) as { error?: string }) : {};
        // Another 503 (no mail transport configured, say) is fine, but is never a bare one.
        answers.push(`${method} ${route} → ${response.status}${body.error ? ` ${body.error}` : ""}`);
        if (body.error === "database_unreachable") expect(response.headers.get("retry-after")).toBe("5");
      }
    } finally {
      await outage.restore();
    }
    console.log(answers.join("\n"));
    expect(answers.filter((a) => / → 5\d\d/.test(a) && !/ → 503 \w+$/.test(a))).toEqual([]);
    // And many did need the database (the check is not vacuous).
    expect(answers.filter((a) => a.endsWith("503 database_unreachable")).length).toBeGreaterThan(5);
  }, 120_000);
});

describe.runIf(testProvider() === "postgresql")("PostgreSQL giving up on a statement", () => {
  it("a refresh cancelled by statement_timeout (a lock held too long) is 503 + Retry-After, and spends nothing", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const name = (await database.db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`)[0]!.name;
    const admin = new pg.Client(parseIntoClientConfig(process.env.TEST_DATABASE_URL!));
    await admin.connect();
    const locker = new pg.Client({ ...parseIntoClientConfig(process.env.TEST_DATABASE_URL!), database: name });
    try {
      // As docs/operations.md recommends, on the database here; connections made from now on have it.
      await admin.query(`ALTER DATABASE "${name}" SET statement_timeout = '1500ms'`);
      const server = await startServer(LIMITS, { database });
      servers.push(server);
      const token = (await login(server.url, DEMO)).jar.get("refresh_token")!;

      await locker.connect();
      await locker.query("BEGIN");
      await locker.query('LOCK TABLE "RefreshToken" IN ACCESS EXCLUSIVE MODE');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await refreshWith(server.url, token);
        statuses.push(response.status);
        await expectUnavailable(response);
      }
      await locker.query("ROLLBACK");

      // Nothing was decided: the same token rotates now, and the session lives.
      const after = await refreshWith(server.url, token);
      expect({ refused: tally(statuses), after: after.status }).toEqual({ refused: { 503: 3 }, after: 200 });
      expect(await server.db.session.count({ where: { revokedAt: { not: null } } })).toBe(0);
    } finally {
      await locker.end().catch(() => undefined);
      await admin.end();
    }
  }, 120_000);
});

describe.runIf(testProvider() === "sqlite")("SQLite", () => {
  it("two server processes on one file: concurrent sign-ins and refreshes wait for the lock, never SQLITE_BUSY", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const [a, b] = await Promise.all([startServer(LIMITS, { database }), startServer(LIMITS, { database })]);
    servers.push(a!, b!);
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const [first, second] = i % 2 ? [a!, b!] : [b!, a!];
        const { response, jar } = await login(first.url, DEMO, new CookieJar(), { origin: first.origin });
        statuses.push(response.status);
        let token = jar.get("refresh_token")!;
        for (let round = 0; round < 3; round++) {
          const refreshed = await refreshWith((round % 2 ? first : second).url, token);
          statuses.push(refreshed.status);
          token = refreshCookie(refreshed) ?? token;
        }
      }),
    );
    console.log(
      `two processes, one SQLite file: ${statuses.length} requests, answers ${JSON.stringify(tally(statuses))}`,
    );
    expect(tally(statuses)).toEqual({ 200: 24 * 4 });
    expect(a!.logs() + b!.logs()).not.toMatch(/SQLITE_BUSY|database is locked/);
  }, 120_000);

  // chattr +i: the one way to make a file read-only for root, who ignores permissions.
  it.runIf(canMakeImmutable())(
    "a read-only database file is a clear startup error, not a server that fails every write",
    async () => {
      const database = await createTestDatabase();
      databases.push(database);
      const file = database.url.replace(/^file:/, "");
      execFileSync("chattr", ["+i", file]);
      try {
        await expect(startServer({}, { database })).rejects.toThrow(
          /Refusing to start: the database refuses writes \(SQLITE_READONLY/,
        );
      } finally {
        execFileSync("chattr", ["-i", file]);
      }
    },
    120_000,
  );
});

// A full disk, for real: the database on a small tmpfs of its own, filled to the last page.
// Mounting needs root (as on these machines and in CI); elsewhere these tests are skipped.
describe.runIf(testProvider() === "sqlite" && canMount())("a full disk (SQLite on a 4 MiB tmpfs)", () => {
  it("at start: a clear startup error, not a server that fails every write", async () => {
    const disk = mountSmallDisk();
    try {
      const database = await createTestDatabase({ sqliteDir: disk.dir });
      await database.db.$disconnect();
      disk.fill();
      await expect(startServer({}, { database })).rejects.toThrow(
        /Refusing to start: the database refuses writes \(SQLITE_(FULL|IOERR)/,
      );
      await database.cleanup();
    } finally {
      disk.unmount();
    }
  }, 120_000);

  it("while serving: sign-ins and refreshes answer 200 or 503 + Retry-After, never a 500, and all work once there is room", async () => {
    const disk = mountSmallDisk();
    let server: TestServer | undefined;
    let database: TestDatabase | undefined;
    try {
      database = await createTestDatabase({ sqliteDir: disk.dir });
      server = await startServer(LIMITS, { database });
      const url = server.url;
      const clients = await Promise.all(
        Array.from({ length: 8 }, async () => ({ token: (await login(url, DEMO)).jar.get("refresh_token")! })),
      );
      const sessionsBefore = await database.db.session.count({ where: { revokedAt: null } });

      disk.fill();
      // Each client refreshes and a new sign-in begins, twice over: more writes than the
      // write-ahead log has room left for.
      const answers: Response[] = [];
      for (let round = 0; round < 2; round++) {
        await Promise.all([
          ...clients.map(async (client) => {
            const response = await refreshWith(url, client.token);
            if (response.status === 200) client.token = refreshCookie(response)!;
            answers.push(response);
          }),
          ...clients.map(async () => answers.push((await login(url, DEMO)).response)),
        ]);
      }
      const statuses = tally(answers.map((r) => r.status));
      console.log(`full disk: ${answers.length} sign-ins and refreshes sent, answers ${JSON.stringify(statuses)}`);
      expect(Object.keys(statuses).filter((status) => status !== "200" && status !== "503")).toEqual([]);
      expect(statuses[503]).toBeGreaterThan(0);
      for (const response of answers.filter((r) => r.status === 503)) await expectUnavailable(response);
      expect(server.logs()).not.toMatch(/"status":500/);

      disk.free();
      // Nothing was lost: every session is alive, every client's current token works, and
      // a new sign-in works.
      expect(await database.db.session.count({ where: { revokedAt: null } })).toBeGreaterThanOrEqual(sessionsBefore);
      for (const client of clients) expect((await refreshWith(url, client.token)).status).toBe(200);
      expect((await login(url, DEMO)).response.status).toBe(200);
    } finally {
      await server?.stop();
      await database?.cleanup();
      disk.unmount();
    }
  }, 120_000);
});

/** A 4 MiB tmpfs mounted on a temporary directory, to fill up and free again. */
function mountSmallDisk() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "small-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]);
  const filler = path.join(dir, "filler");
  return {
    dir,
    /** Writes a file until the disk has no page left. */
    fill() {
      const page = Buffer.alloc(4096);
      const fd = openSync(filler, "a");
      try {
        for (;;) writeSync(fd, page);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      execFileSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canMount(): boolean {
  try {
    mountSmallDisk().unmount();
    return true;
  } catch {
    return false;
  }
}

function canMakeImmutable(): boolean {
  try {
    execFileSync("chattr", ["-i", "package.json"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Every handler under app/ as a method and a path (dynamic segments filled in), from the files. */
function routeHandlers(): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name === "route.ts") {
        const route = `/${path.relative("app", dir)}`
          .replace(/\/\([^)]+\)/g, "")
          .replace(/\[\.\.\.[^\]]+\]/g, "x")
          .replace(/\[[^\]]+\]/g, "00000000-0000-4000-8000-000000000000");
        const source = readFileSync(file, "utf8");
        const methods = new Set([...source.matchAll(/\b(GET|POST|PUT|PATCH|DELETE)\b(?= =|,| })/g)].map((m) => m[1]!));
        for (const method of methods) found.push({ method, path: route === "/" ? "/" : route });
      }
    }
  };
  walk("app");
  return found;
}
