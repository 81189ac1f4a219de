// `npm test`: the whole suite, in the order that fails fastest. Installs what npm does
// not bring (a Chromium for the browser tests), builds the app once, and ends with one
// line that counts every test: "N passed, N failed".
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
rmSync(".tmp/results", { recursive: true, force: true });
mkdirSync(".tmp/results", { recursive: true });

const run = (label, command, args, env = {}) => {
  console.log(`\n=== ${label}: ${[command, ...args].join(" ")}`);
  execFileSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
};
const bin = (name) => `node_modules/.bin/${name}`;
const vitest = (project) => [
  "run",
  "--project",
  project,
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=.tmp/results/vitest-${project}.json`,
];

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const project of ["unit", "http"]) {
    const file = `.tmp/results/vitest-${project}.json`;
    if (!existsSync(file)) continue;
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
  run("typecheck", bin("tsc"), ["--noEmit"]);
  run("unit tests", bin("vitest"), vitest("unit"));
  run("build", bin("next"), ["build"]);
  run("HTTP tests", bin("vitest"), vitest("http"));
  run("browser setup", "node", ["scripts/setup-browser.mjs"]);
  run("browser tests", bin("playwright"), ["test"], { E2E_SKIP_BUILD: "1" });
} catch (error) {
  failure = error;
}
const { passed, failed, skipped } = counts();
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failure) {
  console.error(`npm test failed: ${failure.message.split("\n")[0]}`);
  process.exit(1);
}
