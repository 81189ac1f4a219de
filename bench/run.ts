// `npm run bench`: measures the production build, side by side, on this machine.
// `npm run bench -- --help` lists the options; bench/README.md says what each figure
// measures and what limits it. The sections live in bench/harness/:
//   variants.ts  the temporary builds (the bench gate in bench/variants/)
//   servers.ts   environment, databases, `node server.mjs`
//   endpoints.ts pages and APIs under autocannon   load.ts  refresh, login, micro-benchmarks
//   stats.ts, contention.ts, profile.ts            report.ts  results.json and the tables
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { contentionSamples } from "./harness/contention";
import { apiSection, pageSection, resolveAutocannon, retryBudget, setAutocannon } from "./harness/endpoints";
import {
  checkSqlite,
  dbPathSection,
  loginSection,
  middlewareCostSection,
  postgresSection,
  prune,
  refreshLevels,
  refreshRetryBudget,
  verifySection,
} from "./harness/load";
import { MODE, options, OUT, ROOT, S, USAGE, wants } from "./harness/options";
import { cleanup, CORES, errorMessage, firstLines, log, PINNING, stopOnSignals, temp } from "./harness/processes";
import { summariseProfile } from "./harness/profile";
import { failed, renderReport, type Results } from "./harness/report";
import { prepareDatabase, startServer } from "./harness/servers";
import { median, round } from "./harness/stats";
import { buildVariant, type Build } from "./harness/variants";

process.env.NEXT_TELEMETRY_DISABLED = "1";

// Read from node_modules directly: not every package exports its package.json.
function packageVersion(name: string): string | null {
  try {
    const file = path.join(ROOT, "node_modules", name, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  const result = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}

async function section<T extends object>(
  results: Results,
  name: string,
  fn: () => Promise<T>,
): Promise<T | { error: string }> {
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    const message = firstLines(errorMessage(error), 6);
    results.problems.push(`${name}: ${message}`);
    log(`${name} FAILED: ${errorMessage(error)}`);
    return { error: message };
  } finally {
    results.meta.sectionSeconds[name] = round((performance.now() - started) / 1000, 1);
  }
}

async function edgeServerSections(results: Results, edge: Build): Promise<void> {
  const memory = (results.memory ??= { rssMiB: {} });
  const pages = (results.pages ??= {});
  const refresh = (results.refresh ??= {});
  const sqliteFile = temp("db-edge", "app.db");
  const sqliteUrl = `file:${sqliteFile}`;
  await prepareDatabase(edge.dir, sqliteUrl, 4);
  const server = await startServer("edge", edge, { databaseUrl: sqliteUrl });
  try {
    memory.rssMiB["edge, after start"] = server.rssMiB();
    const afterWarmup = () => (memory.rssMiB["edge, after warm-up"] = server.rssMiB());
    if (wants("pages")) {
      pages.edge = await section(results, "pages edge", () => pageSection(server, edge, afterWarmup));
      memory.rssMiB["edge, after the page runs"] = server.rssMiB();
    }
    if (wants("api")) results.api = await section(results, "api", () => apiSection(server));
    if (wants("refresh")) {
      refresh.sqlite = await section(results, "refresh sqlite", async () => ({
        levels: await refreshLevels(server, "sqlite"),
      }));
      memory.rssMiB["edge, after the refresh run"] = server.rssMiB();
    }
  } finally {
    await server.stop();
  }
  const sqlite = refresh.sqlite;
  if (!sqlite || !("levels" in sqlite)) return;
  const check = checkSqlite(sqliteFile);
  sqlite.check = check;
  if (!check.ok) results.problems.push(`refresh sqlite: database check failed: ${JSON.stringify(check)}`);
  const errors = sqlite.levels.reduce((a, l) => a + l.refresh.errors + (l.health?.errors ?? 0), 0);
  if (errors > 0) results.problems.push(`refresh sqlite: ${errors} non-200 responses`);
  const at16 = sqlite.levels.find((l) => l.concurrency === 16);
  sqlite.target = {
    concurrency: 16,
    min: 0.5,
    value: at16?.refreshToHealth ?? null,
    met: at16 ? (at16.refreshToHealth ?? 0) >= 0.5 : null,
  };

  const pruneDefault = await prune(edge, sqliteUrl);
  const afterDefault = checkSqlite(sqliteFile);
  const pruneShort = await prune(edge, sqliteUrl, { REFRESH_IDLE_TTL_SECONDS: "1" });
  const afterShort = checkSqlite(sqliteFile);
  memory.rows = {
    sessions: check.sessions,
    rotations: check.refreshTokenRows - check.sessions,
    perSessionBefore: check.refreshTokenRowsPerSession,
    pruneDefault,
    perSessionAfterDefaultPrune: afterDefault.refreshTokenRowsPerSession,
    pruneShort,
    perSessionAfterShortPrune: afterShort.refreshTokenRowsPerSession,
    fileBytes: check.fileBytes,
  };
}

async function nodeServerSections(results: Results, node: Build): Promise<void> {
  const memory = (results.memory ??= { rssMiB: {} });
  const url = `file:${temp("db-node", "app.db")}`;
  await prepareDatabase(node.dir, url, 4);
  const server = await startServer("node", node, { databaseUrl: url });
  try {
    const afterWarmup = () => (memory.rssMiB["node, after warm-up"] = server.rssMiB());
    (results.pages ??= {}).node = await section(results, "pages node", () => pageSection(server, node, afterWarmup));
    memory.rssMiB["node, after the page runs"] = server.rssMiB();
  } finally {
    await server.stop();
  }
}

async function profileRun(results: Results, edge: Build): Promise<void> {
  const profDir = temp("cpu-profile");
  const sqliteUrl = `file:${temp("db-profile", "app.db")}`;
  const refresh = (results.refresh ??= {});
  results.profile = await section(results, "cpu profile", async () => {
    await prepareDatabase(edge.dir, sqliteUrl, 4);
    // Unpinned: V8's sampling thread shares the server's CPU affinity, and on one core it
    // gets to sample mostly while the JavaScript thread is blocked in a system call,
    // which over-attributes blocking I/O (measured: 45 % vs 18 % for the SQLite driver).
    const server = await startServer("profile", edge, { databaseUrl: sqliteUrl, cpuProfDir: profDir, pin: false });
    const micros = () => Number(process.hrtime.bigint() / 1000n);
    const window: { startMicros: number; endMicros?: number } = { startMicros: micros() };
    try {
      refresh.sqlite = { levels: await refreshLevels(server, "sqlite (profiled)", { withHealth: false }) };
      window.endMicros = micros();
    } finally {
      await server.stop();
    }
    const file = fs.readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("the server wrote no .cpuprofile");
    if (options.cpuProfOut) {
      fs.mkdirSync(options.cpuProfOut, { recursive: true });
      fs.copyFileSync(path.join(profDir, file), path.join(options.cpuProfOut, file));
    }
    return {
      note: "refresh requests only (no health phases); server under node --cpu-prof, not pinned; load generator on core 1",
      ...summariseProfile(path.join(profDir, file), edge.dir, window),
    };
  });
}

async function main(): Promise<boolean> {
  const started = performance.now();
  const autocannon = MODE === "cpu-prof" ? null : resolveAutocannon();
  if (autocannon) setAutocannon(autocannon);
  const results: Results = {
    meta: {
      mode: MODE,
      timestamp: new Date().toISOString(),
      gitCommit: gitCommit(),
      node: process.version,
      next: packageVersion("next"),
      nextAuth: packageVersion("next-auth"),
      autocannon: autocannon?.version ?? null,
      cores: CORES,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
      pinning: PINNING,
      settings: S,
      sectionSeconds: {},
      durationSeconds: null,
    },
    builds: {},
    problems: [],
  };

  const builds: Partial<Record<Build["variant"], Build>> = {};
  for (const variant of S.variants) {
    const build = await section(results, `build ${variant}`, () => buildVariant(variant));
    if (failed(build)) {
      results.builds[variant] = build;
      continue;
    }
    results.builds[variant] = { seconds: build.seconds, gateFile: build.gateFile, noMiddlewarePage: build.bare };
    builds[variant] = build;
  }
  const edge = builds.edge;
  if (!edge) throw new Error(`the edge build failed: ${JSON.stringify(results.builds.edge)}`);

  if (MODE === "cpu-prof") {
    await profileRun(results, edge);
  } else {
    if (wants("verify")) {
      results.verify = await section(results, "verify", verifySection);
      results.middlewareCost = await section(results, "middleware cost", middlewareCostSection);
    }
    if (wants("db-path")) results.dbPath = await section(results, "db path", () => dbPathSection(edge));
    results.memory = { rssMiB: {} };
    // Edge server on SQLite: pages, API, refresh, memory.
    if (wants("pages") || wants("api") || wants("refresh"))
      await section(results, "edge server", async () => {
        await edgeServerSections(results, edge);
        return {};
      });
    const node = builds.node;
    if (node)
      await section(results, "node server", async () => {
        await nodeServerSections(results, node);
        return {};
      });

    const login = wants("login") ? await section(results, "login", () => loginSection(edge)) : undefined;
    results.login = login;

    const refresh = (results.refresh ??= {});
    if (S.postgres && !options.skipPostgres && wants("postgres")) {
      const postgresql = await section(results, "refresh postgresql", () => postgresSection(edge));
      refresh.postgresql = failed(postgresql) ? { skipped: postgresql.error } : postgresql;
      if ("rssAfterRefreshMiB" in postgresql && postgresql.rssAfterRefreshMiB !== undefined)
        results.memory.rssMiB["postgresql server, after the refresh run"] = postgresql.rssAfterRefreshMiB;
      // PostgreSQL never fails the bench.
      results.problems = results.problems.filter((p) => !p.startsWith("refresh postgresql"));
    } else {
      refresh.postgresql = { skipped: MODE === "smoke" ? "smoke mode" : options.only ? "--only" : "--skip-postgres" };
    }
  }

  results.meta.durationSeconds = round((performance.now() - started) / 1000, 1);
  results.meta.contention = {
    measure: "share of the server's core (core 0) used by other processes during each measurement",
    median: round(median([...contentionSamples]), 3),
    max: contentionSamples.length ? round(Math.max(...contentionSamples), 3) : null,
    measurements: contentionSamples.length,
    repeatedMeasurements: retryBudget.initial - retryBudget.left,
    repeatedRefreshLevels: refreshRetryBudget.initial - refreshRetryBudget.left,
    loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderReport(results)}\n\nResults written to ${path.relative(process.cwd(), OUT) || OUT}\n`);
  return results.problems.length === 0;
}

if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
stopOnSignals();
let ok = false;
try {
  ok = await main();
} catch (error) {
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
