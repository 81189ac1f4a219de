// The refresh path without HTTP, for `npm run bench` (bench/run.ts spawns this with tsx
// --conditions=react-server, pinned to the server's core, against a freshly migrated and
// seeded SQLite database in BENCH_DB_URL):
// - one rotation as the refresh route does it on success (throttledRefresh, with the
//   app's own Prisma client and SQLite settings), wall and CPU time, after as many
//   warm-up rotations (the JIT needs them: a short warm-up measured 3× the steady cost);
// - one single-row commit with better-sqlite3 alone, in the app's journal mode
//   (SQLite's default: rollback journal, synchronous=FULL) and in WAL mode, in
//   BENCH_SQLITE_DIR (on the same file system as the bench databases).
// Prints one JSON object on stdout. BENCH_DB_ITERATIONS sets the loop length.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { startSession } from "../lib/auth/session/lifecycle";
import { throttledRefresh } from "../lib/auth/throttled-refresh";
import { createDb } from "../lib/db/client";

const iterations = Number(process.env.BENCH_DB_ITERATIONS ?? "300");
const databaseUrl = process.env.BENCH_DB_URL ?? "";
const sqliteDir = process.env.BENCH_SQLITE_DIR ?? "";
if (!databaseUrl.startsWith("file:") || !sqliteDir) throw new Error("set BENCH_DB_URL=file:… and BENCH_SQLITE_DIR");

const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function timed(n: number, step: () => Promise<void> | void): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i += 1) await step();
  const used = process.cpuUsage(cpu);
  return { wallMs: round3((performance.now() - started) / n), cpuMs: round3((used.user + used.system) / 1000 / n) };
}

// The rotation chain of one session, as the refresh route runs it.
const db = createDb(databaseUrl);
const probe = new Database(databaseUrl.slice("file:".length), { readonly: true });
const journalMode = probe.pragma("journal_mode", { simple: true });
const synchronous = probe.pragma("synchronous", { simple: true });
probe.close();
const user = await db.user.findFirstOrThrow();
const client = { ip: "127.0.0.1", userAgent: "bench/db-path" };
let current = (await startSession(db, user.id, client)).refreshToken;
const rotate = async () => {
  const result = await throttledRefresh(db, current, client);
  if (!result.ok) throw new Error(`rotation failed: ${result.error}`);
  current = result.tokens.refreshToken;
};
const select1 = async () => {
  await db.$queryRaw`SELECT 1`;
};
await timed(iterations, rotate);
const refresh = await timed(iterations, rotate);
await timed(iterations, select1);
const health = await timed(iterations, select1);
await db.$disconnect();

// One autocommit upsert, the unit of SQLite's durability cost.
function commitCost(journal: "DELETE" | "WAL", synchronous: "FULL" | "NORMAL") {
  const dir = fs.mkdtempSync(path.join(sqliteDir, "commit-"));
  const file = new Database(path.join(dir, "commit.db"));
  try {
    file.pragma(`journal_mode = ${journal}`);
    file.pragma(`synchronous = ${synchronous}`);
    file.exec("CREATE TABLE counter (key TEXT PRIMARY KEY, points INTEGER NOT NULL)");
    const upsert = file.prepare(
      "INSERT INTO counter (key, points) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET points = points + 1",
    );
    for (let i = 0; i < 20; i += 1) upsert.run("bench");
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < iterations; i += 1) upsert.run("bench");
    const used = process.cpuUsage(cpu);
    return {
      journal,
      synchronous,
      wallMs: round3((performance.now() - started) / iterations),
      cpuMs: round3((used.user + used.system) / 1000 / iterations),
    };
  } finally {
    file.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(
  `${JSON.stringify({
    iterations,
    appConnection: { journalMode, synchronous },
    rotation: { refresh, select1: health },
    commit: [commitCost("DELETE", "FULL"), commitCost("WAL", "FULL"), commitCost("WAL", "NORMAL")],
  })}\n`,
);
