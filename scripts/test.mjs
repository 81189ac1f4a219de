// `npm test`: the whole suite. `npm run test:quick` (--quick): lint, format, typecheck,
// unit tests and the HTTP tests on SQLite, for the edit-test loop.
//
// Installs what npm does not bring (a Chromium for the browser tests), builds the app
// once for everything that needs it, and ends with one line that counts every test:
// "N passed, N failed, N skipped", then how long each phase took.
//
// Phases run side by side where they do not depend on each other, because most of them
// leave a core idle: eslint, prettier and tsc are single-threaded, and the browser tests
// spend minutes waiting for tokens to expire (e2e/dbsc.spec.ts). Two lanes after the
// build: the browser tests, then the HTTP tests on PostgreSQL, in one; the HTTP tests on
// SQLite, then the short PostgreSQL phases and the benchmark smoke test, in the other.
// The quick run starts its HTTP tests as soon as the build is there. Output of phases
// that run together is prefixed with the phase's name; each phase's full output is also
// in .tmp/logs/<phase>.log.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { buildIsCurrent, staleBuildReason } from "./build-state.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const quick = process.argv.includes("--quick");
rmSync(".tmp/results", { recursive: true, force: true });
rmSync(".tmp/logs", { recursive: true, force: true });
mkdirSync(".tmp/results", { recursive: true });
mkdirSync(".tmp/logs", { recursive: true });
rmSync(".tmp/playwright.json", { force: true });

const bin = (name) => `node_modules/.bin/${name}`;
// PostgreSQL for the second pass of the database tests (running on these machines; set
// TEST_POSTGRES_URL elsewhere, or TEST_POSTGRES_URL=skip to run on SQLite only).
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const vitest = (project, label, ...files) => [
  "run",
  "--project",
  project,
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=.tmp/results/vitest-${label}.json`,
  ...files,
];

/**
 * Busy and total CPU seconds of the whole machine so far (Linux: /proc/stat), or null. The
 * phases' own CPU column cannot see Chromium's renderers (forked by its zygote, never
 * reaped by the phase) nor PostgreSQL's backends, and those decide the suite's pace here.
 */
function machineCpuSeconds() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // 100 ticks a second (USER_HZ on every Linux this runs on); idle and iowait are not busy.
    return { busy: (total - fields[3] - fields[4]) / 100, total: total / 100 };
  } catch {
    return null;
  }
}

const timings = [];
let failure = null;
const started = Date.now();
const machineAtStart = machineCpuSeconds();
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;

/** Runs one phase; resolves when it ends. A failed phase is remembered, not thrown. */
function run(label, command, args, env = {}) {
  if (failure) return Promise.resolve();
  console.log(`\n=== ${label}: ${[command, ...args].join(" ")}`);
  const start = Date.now();
  const log = createWriteStream(`.tmp/logs/${label.replace(/[^a-z0-9]+/gi, "-")}.log`);
  // Through bash, whose `times` gives the CPU its whole process tree used: the phases run
  // side by side on few cores, so their wall times alone do not say which one costs most.
  const cpuFile = `.tmp/logs/${label.replace(/[^a-z0-9]+/gi, "-")}.cpu`;
  const child = spawn(
    "bash",
    ["-c", 'out=$1; shift; "$@"; code=$?; times > "$out"; exit $code', label, cpuFile, command, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.on("data", (chunk) => {
      log.write(chunk);
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop();
      for (const line of lines) console.log(`[${label}] ${line}`);
    });
    stream.on("end", () => partial && console.log(`[${label}] ${partial}`));
  }
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      log.end();
      const ms = Date.now() - start;
      timings.push({ label, ms, cpuMs: childCpuMs(cpuFile), ok: code === 0 });
      console.log(`=== ${label}: ${code === 0 ? "passed" : "FAILED"} in ${seconds(ms)}`);
      if (code !== 0) failure ??= `${label} exited with ${signal ?? code}`;
      resolve();
    });
  });
}

/** The user + system CPU of a phase's process tree, from the second line of bash's `times`. */
function childCpuMs(file) {
  const line = existsSync(file) ? readFileSync(file, "utf8").split("\n")[1] : undefined;
  const parts = [...(line ?? "").matchAll(/(\d+)m([\d.]+)s/g)];
  if (parts.length !== 2) return null;
  return parts.reduce((sum, [, min, sec]) => sum + (Number(min) * 60 + Number(sec)) * 1000, 0);
}

/** Phases one after another (each starts only if nothing has failed so far). */
async function lane(...phases) {
  for (const phase of phases) await phase();
}

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of readdirSync(".tmp/results").map((f) => `.tmp/results/${f}`)) {
    const report = JSON.parse(readFileSync(file, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  }
  // (The quick run has no browser tests: a report left by an earlier Playwright run is not counted.)
  if (!quick && existsSync(".tmp/playwright.json")) {
    const { stats } = JSON.parse(readFileSync(".tmp/playwright.json", "utf8"));
    passed += stats.expected;
    failed += stats.unexpected + stats.flaky;
    skipped += stats.skipped;
  }
  return { passed, failed, skipped };
}

const lint = () => run("lint", bin("eslint"), ["--max-warnings", "0", "."]);
const format = () => run("format", bin("prettier"), ["--check", "."]);
const typecheck = () => run("typecheck", bin("tsc"), ["--noEmit"]);
const unit = () => run("unit tests", bin("vitest"), vitest("unit", "unit"));
const build = () => run("build", bin("next"), ["build"]);
const httpSqlite = () => run("HTTP tests on SQLite", bin("vitest"), vitest("http", "http-sqlite"));

/**
 * Every later phase tests the build just made, and none rebuilds it: a build started by
 * one lane's setup would rewrite .next under the other lane's running servers. A source
 * file changed since the build (by a phase that ran beside it) is said, not rebuilt for.
 */
function keepThisBuild() {
  const stale = staleBuildReason();
  if (stale) console.warn(`Warning: ${stale}; the tests use the build as it is.`);
  process.env.SKIP_BUILD = "1";
}

if (quick) {
  // The HTTP tests need a production build of the current code (made only if the sources
  // changed since the last: scripts/build-state.mjs), not the checks: they run beside
  // them, which leave a core idle (186 s one after the other on a quiet machine, 2026-12-06).
  const httpAfterBuild = async () => {
    if (!buildIsCurrent()) await build();
    keepThisBuild();
    await httpSqlite();
  };
  await Promise.all([lint(), format(), typecheck(), unit(), httpAfterBuild()]);
} else {
  const postgres = { TEST_DATABASE_URL: POSTGRES_URL };
  const withPostgres = POSTGRES_URL !== "skip";
  // The OAuth interop HTTP test and the browser tests drive Chromium: install it (apt,
  // about a minute on a clean machine) while the checks and the build run.
  await Promise.all([
    lint(),
    format(),
    typecheck(),
    unit(),
    build(),
    run("browser setup", "node", ["scripts/setup-browser.mjs"]),
  ]);
  keepThisBuild();
  // Two lanes, balanced by what they took on a fresh clone (2026-12-07, 666 s in all): the
  // browser tests (354 s) and the HTTP tests on SQLite (345 s, slowed by the browsers beside
  // them) end about together; the HTTP tests on PostgreSQL (237 s) then follow the browser
  // tests, and the short PostgreSQL phases with the benchmark smoke test (≈ 200 s) follow
  // the SQLite ones.
  await Promise.all([
    lane(
      () => run("browser tests", bin("playwright"), ["test"]),
      () => withPostgres && run("HTTP tests on PostgreSQL", bin("vitest"), vitest("http", "http-postgresql"), postgres),
    ),
    lane(
      httpSqlite,
      () =>
        withPostgres &&
        run(
          "rotation tests on PostgreSQL",
          bin("vitest"),
          vitest(
            "unit",
            "unit-postgresql",
            "tests/unit/refresh.test.ts",
            "tests/unit/dbsc.test.ts",
            "tests/unit/rotation-history.test.ts",
            "tests/unit/prune.test.ts",
          ),
          postgres,
        ),
      () =>
        withPostgres && run("several instances on PostgreSQL", bin("vitest"), vitest("cluster", "cluster"), postgres),
      () => run("benchmark smoke test", bin("vitest"), vitest("bench", "bench")),
    ),
  ]);
}

/**
 * The failed tests and the start of each one's error, read from the reports: printed last,
 * because a CI log is often read from its tail, where the phases' own output has scrolled away.
 */
function failures() {
  const found = [];
  const firstLines = (text) => String(text).split("\n").slice(0, 12).join("\n    ");
  for (const file of readdirSync(".tmp/results").map((f) => `.tmp/results/${f}`)) {
    for (const suite of JSON.parse(readFileSync(file, "utf8")).testResults ?? []) {
      for (const test of suite.assertionResults ?? []) {
        if (test.status === "failed")
          found.push(`${suite.name} › ${test.fullName}\n    ${firstLines(test.failureMessages?.[0] ?? "")}`);
      }
      if (suite.status === "failed" && (suite.assertionResults ?? []).every((t) => t.status !== "failed")) {
        found.push(`${suite.name}\n    ${firstLines(suite.message ?? "")}`);
      }
    }
  }
  if (!quick && existsSync(".tmp/playwright.json")) {
    const walk = (suite, titles) => {
      for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
      for (const spec of suite.specs ?? []) {
        for (const test of spec.tests ?? []) {
          if (test.status === "expected" || test.status === "skipped") continue;
          const error = test.results?.find((r) => r.error)?.error;
          found.push(
            `[${test.projectName}] ${[...titles, spec.title].join(" › ")}\n    ${firstLines(error?.message ?? test.status)}`,
          );
        }
      }
    };
    walk(JSON.parse(readFileSync(".tmp/playwright.json", "utf8")), []);
  }
  return found;
}

const { passed, failed, skipped } = counts();
const failedTests = failures();
if (failedTests.length > 0) {
  console.log("\nFailed tests:");
  for (const entry of failedTests) console.log(`  ${entry.replace(/\u001b\[[0-9;]*m/g, "")}`);
}
console.log("\nPhases (wall time, and the CPU time of the phase's processes; phases that overlap ran side by side):");
console.log(`  ${"wall".padStart(6)}  ${"CPU".padStart(6)}`);
let cpuTotal = 0;
for (const { label, ms, cpuMs, ok } of timings) {
  cpuTotal += cpuMs ?? 0;
  const cpu = cpuMs === null ? "?" : seconds(cpuMs);
  console.log(`  ${seconds(ms).padStart(6)}  ${cpu.padStart(6)}  ${label}${ok ? "" : " (FAILED)"}`);
}
console.log(`  ${seconds(Date.now() - started).padStart(6)}  ${seconds(cpuTotal).padStart(6)}  total`);
const machineAtEnd = machineCpuSeconds();
if (machineAtStart && machineAtEnd) {
  const busy = machineAtEnd.busy - machineAtStart.busy;
  const total = machineAtEnd.total - machineAtStart.total;
  console.log(
    `  The machine's cores were busy ${busy.toFixed(0)} of ${total.toFixed(0)} CPU s meanwhile (${((100 * busy) / total).toFixed(0)} %), browsers and PostgreSQL included.`,
  );
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failure) {
  console.error(`npm test failed: ${failure}`);
  process.exit(1);
}
