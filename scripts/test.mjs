// `npm test`: the whole suite, in the order that fails fastest. Installs what npm does
// not bring (a Chromium for the browser tests), builds the app once, and ends with one
// line that counts every test: "N passed, N failed".
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
rmSync(".tmp/results", { recursive: true, force: true });
mkdirSync(".tmp/results", { recursive: true });

const run = (label, command, args, env = {}) => {
  console.log(`\n=== ${label}: ${[command, ...args].join(" ")}`);
  execFileSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
};
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
  if (existsSync(".tmp/playwright.json")) {
    const { stats } = JSON.parse(readFileSync(".tmp/playwright.json", "utf8"));
    passed += stats.expected;
    failed += stats.unexpected + stats.flaky;
    skipped += stats.skipped;
  }
  return { passed, failed, skipped };
}

let failure;
try {
  rmSync(".tmp/playwright.json", { force: true });
  run("lint", bin("eslint"), ["--max-warnings", "0", "."]);
  run("format", bin("prettier"), ["--check", "."]);
  run("typecheck", bin("tsc"), ["--noEmit"]);
  run("unit tests", bin("vitest"), vitest("unit", "unit"));
  run("build", bin("next"), ["build"]);
  // Before the HTTP tests: the OAuth interop test (tests/http/oauth-interop.test.ts)
  // drives Chromium through sign-in and consent.
  run("browser setup", "node", ["scripts/setup-browser.mjs"]);
  run("HTTP tests on SQLite", bin("vitest"), vitest("http", "http-sqlite"));
  if (POSTGRES_URL !== "skip") {
    const postgres = { TEST_DATABASE_URL: POSTGRES_URL };
    run(
      "rotation tests on PostgreSQL",
      bin("vitest"),
      vitest(
        "unit",
        "unit-postgresql",
        "tests/unit/refresh.test.ts",
        "tests/unit/dbsc.test.ts",
        "tests/unit/rotation-history.test.ts",
      ),
      postgres,
    );
    run("HTTP tests on PostgreSQL", bin("vitest"), vitest("http", "http-postgresql"), postgres);
    run("several instances on PostgreSQL", bin("vitest"), vitest("cluster", "cluster"), postgres);
  }
  run("browser tests", bin("playwright"), ["test"], { E2E_SKIP_BUILD: "1" });
  run("benchmark smoke test", bin("vitest"), vitest("bench", "bench"));
} catch (error) {
  failure = error;
}
const { passed, failed, skipped } = counts();
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failure) {
  console.error(`npm test failed: ${failure.message.split("\n")[0]}`);
  process.exit(1);
}
