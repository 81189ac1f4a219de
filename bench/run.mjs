// `npm run bench`: measures the production build, side by side, on this machine.
//
//   node bench/run.mjs                  full run (< 10 min on 2 cores), writes bench/results.json
//   node bench/run.mjs --smoke          every section for ~1 s, edge + SQLite only (BENCH_SMOKE=1 too)
//   node bench/run.mjs --out FILE       where the JSON goes
//   node bench/run.mjs --cpu-prof       the refresh section under `node --cpu-prof`, top 15 self-time
//                                       functions (JSON to $TMPDIR/next-auth-bench-profile.json unless
//                                       --out; --cpu-prof-out DIR keeps the .cpuprofile)
//   node bench/run.mjs --skip-postgres  leave PostgreSQL out
//   node bench/run.mjs --keep-temp      keep the temporary builds, databases and logs
//
// The repository itself is never built or served: each variant is a copy of the project
// in a temporary directory (node_modules symlinked back), with bench-only pages added and
// `next build` run there. The server is pinned to core 0 and every load generator to core
// 1 (taskset), and compared endpoints alternate over rounds; bench/README.md says what
// each figure measures and what limits it.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire, SourceMap } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

process.env.NEXT_TELEMETRY_DISABLED = "1";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const requireFromRoot = createRequire(path.join(ROOT, "package.json"));

const { values: options } = parseArgs({
  options: {
    smoke: { type: "boolean", default: process.env.BENCH_SMOKE === "1" },
    out: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    "cpu-prof-out": { type: "string" },
    "skip-postgres": { type: "boolean", default: false },
    "keep-temp": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (options.help) {
  const header = fs
    .readFileSync(fileURLToPath(import.meta.url), "utf8")
    .split("\n")
    .slice(0, 12);
  console.log(header.map((line) => line.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(0);
}

const MODE = options["cpu-prof"] ? "cpu-prof" : options.smoke ? "smoke" : "full";
// A profile run does not overwrite the full results.
const OUT = path.resolve(
  options.out ??
    (MODE === "cpu-prof"
      ? path.join(os.tmpdir(), "next-auth-bench-profile.json")
      : path.join(BENCH_DIR, "results.json")),
);

const DEMO = { email: "demo@example.com", password: "demo-password-123" };
const LOGIN_BCRYPT_COST = Number(process.env.BENCH_BCRYPT_COST ?? "12");
const HUGE_RATE = "100000000/60";

const SETTINGS = {
  full: {
    variants: ["edge", "node"],
    pages: { warmupSeconds: 2, rounds: 3, seconds: 5, connections: 10 },
    refresh: { levels: [1, 16, 64], warmupSeconds: 1, rounds: 2, seconds: 4 },
    login: { levels: [1, 2], seconds: 5 },
    verify: { seconds: 0.5, rounds: 3, bcryptIterations: 5 },
    dbPath: { iterations: 200 },
    postgres: true,
  },
  smoke: {
    variants: ["edge"],
    pages: { warmupSeconds: 0, rounds: 1, seconds: 1, connections: 2 },
    refresh: { levels: [2], warmupSeconds: 0.2, rounds: 1, seconds: 1 },
    login: { levels: [1], seconds: 1 },
    verify: { seconds: 0.05, rounds: 1, bcryptIterations: 1 },
    dbPath: { iterations: 20 },
    postgres: false,
  },
};
SETTINGS["cpu-prof"] = { ...(options.smoke ? SETTINGS.smoke : SETTINGS.full), variants: ["edge"], postgres: false };
const S = SETTINGS[MODE];

// ---------------------------------------------------------------------------------------
// Processes, pinning, cleanup

const children = new Set();
const cleanups = [];
let tempRoot;

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function hasTaskset() {
  const probe = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  return probe.status === 0;
}

const CORES = os.availableParallelism?.() ?? os.cpus().length;
const PINNING = hasTaskset()
  ? CORES >= 2
    ? { pinned: true, server: "taskset -c 0", load: "taskset -c 1" }
    : { pinned: false, note: "only one core: server and load generator share it (unpinned)" }
  : { pinned: false, note: "taskset not found: server and load generator run unpinned" };
const SERVER_CORE = "0";
const LOAD_CORE = "1";

function pinned(core, command, args) {
  return PINNING.pinned ? ["taskset", ["-c", core, command, ...args]] : [command, args];
}

function tail(text, lines = 25) {
  return text.split("\n").slice(-lines).join("\n");
}

/** Runs a command to completion; resolves with its output, rejects on failure or timeout. */
function run(command, args, { cwd = ROOT, env = process.env, timeoutMs = 600_000, label = command } = {}) {
  return new Promise((resolve, reject) => {
    if (cleaningUp) return reject(new Error("stopping"));
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const error = new Error(`${label} failed (${signal ?? `exit ${code}`}):\n${tail(stderr || stdout)}`);
        error.stdout = stdout;
        error.stderr = stderr;
        reject(error);
      }
    });
  });
}

function lastJsonLine(text) {
  const line = text
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no JSON in output:\n${tail(text)}`);
  return JSON.parse(line);
}

let cleaningUp;
function cleanup() {
  cleaningUp ??= (async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log(`cleanup: ${error.message}`);
      }
    }
    if (tempRoot && !options["keep-temp"]) {
      // The copies link to the repository's node_modules: unlink, never follow.
      for (const entry of fs.readdirSync(tempRoot, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const link = path.join(tempRoot, entry.name, "node_modules");
        if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link);
      }
      fs.rmSync(tempRoot, { recursive: true, force: true });
    } else if (tempRoot) {
      log(`temporary files kept in ${tempRoot}`);
    }
  })();
  return cleaningUp;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    log(`${signal}: stopping servers and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------
// Preflight: load generator, versions

function resolveAutocannon() {
  const bases = [path.join(ROOT, "package.json")];
  const extra = process.env.BENCH_AUTOCANNON_DIR;
  if (extra) {
    if (fs.existsSync(path.join(extra, "autocannon.js"))) bases.push(path.join(extra, "..", "noop.js"));
    bases.push(path.join(extra, "noop.js"), path.join(extra, "node_modules", "noop.js"));
  }
  for (const base of bases) {
    try {
      const pkgPath = createRequire(base).resolve("autocannon/package.json");
      const pkg = JSON.parse(fs.readFileSync(pkgPath, "utf8"));
      return { cli: path.join(path.dirname(pkgPath), pkg.bin?.autocannon ?? "autocannon.js"), version: pkg.version };
    } catch {
      // next candidate
    }
  }
  throw new Error(
    "autocannon not found: add it as a devDependency of the project, or set BENCH_AUTOCANNON_DIR " +
      "to a directory whose node_modules holds it (e.g. after `npm install --prefix /tmp/bench-deps autocannon`).",
  );
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(requireFromRoot.resolve(`${name}/package.json`), "utf8")).version;
  } catch {
    return null;
  }
}

function gitCommit() {
  const result = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}

function clockTicks() {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(result.stdout?.trim()) || 100;
}

// ---------------------------------------------------------------------------------------
// Builds: a copy of the project per variant

const COPY_EXCLUDE_TOP = new Set([
  "node_modules",
  ".next",
  ".tmp",
  ".git",
  "test-results",
  "playwright-report",
  "coverage",
  "bench",
]);

function copyFilter(src) {
  const rel = path.relative(ROOT, src);
  if (rel === "") return true;
  const [top] = rel.split(path.sep);
  if (COPY_EXCLUDE_TOP.has(top)) return false;
  if (rel === path.join("prisma", "data")) return false;
  // No local env files: the bench sets every variable it relies on.
  if (!rel.includes(path.sep) && /^\.env/.test(rel)) return false;
  return true;
}

const BENCH_PAGE = `// Written by bench/run.mjs into a temporary copy of the project; never committed.
export const dynamic = "force-dynamic";

export default function BenchPage() {
  return <p>bench</p>;
}
`;

function middlewareFile(dir) {
  for (const name of ["middleware.ts", "middleware.js"]) if (fs.existsSync(path.join(dir, name))) return name;
  throw new Error("no middleware.ts in the project: the edge variant needs it");
}

/** Inserts the pass-through as the first statement of the gate function. */
function addPassThrough(source, functionName) {
  const signature = new RegExp(
    `export\\s+(?:async\\s+)?function\\s+${functionName}\\s*\\(\\s*([A-Za-z_$][\\w$]*)[^)]*\\)[^{]*\\{`,
  );
  const match = signature.exec(source);
  if (!match) throw new Error(`could not find \`export function ${functionName}(request…)\` to patch`);
  const at = match.index + match[0].length;
  const statement = `\n  if (${match[1]}.nextUrl.pathname === "/bench/pass") return BenchNextResponse.next(); // bench only`;
  const patched = source.slice(0, at) + statement + source.slice(at);
  return `import { NextResponse as BenchNextResponse } from "next/server"; // bench only\n${patched}`;
}

/** Keeps /bench/bare out of the matcher: the page served with no middleware at all. */
function excludeBareFromMatcher(source) {
  const matcherAt = source.indexOf("matcher");
  const lookahead = matcherAt < 0 ? -1 : source.indexOf("(?!", matcherAt);
  if (lookahead < 0) return { source, bare: false };
  const at = lookahead + 3;
  return { source: `${source.slice(0, at)}bench/bare|${source.slice(at)}`, bare: true };
}

async function prepareVariant(variant) {
  const dir = path.join(tempRoot, `build-${variant}`);
  fs.cpSync(ROOT, dir, { recursive: true, filter: copyFilter, verbatimSymlinks: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");

  for (const page of ["app/bench/bare", "app/bench/public", "app/bench/pass", "app/dashboard/bench"]) {
    fs.mkdirSync(path.join(dir, page), { recursive: true });
    fs.writeFileSync(path.join(dir, page, "page.tsx"), BENCH_PAGE);
  }

  const file = middlewareFile(dir);
  let source = fs.readFileSync(path.join(dir, file), "utf8");
  let functionName = "middleware";
  if (variant === "node") {
    // Next 16's Node.js-runtime convention: proxy.ts exporting `proxy`.
    if (!/function\s+middleware\b/.test(source)) throw new Error("could not find `function middleware` to rename");
    source = source.replace(/function\s+middleware\b/, "function proxy");
    functionName = "proxy";
  }
  source = addPassThrough(source, functionName);
  const excluded = excludeBareFromMatcher(source);
  fs.rmSync(path.join(dir, file));
  fs.writeFileSync(path.join(dir, variant === "node" ? file.replace("middleware", "proxy") : file), excluded.source);

  // Turbopack resolves only inside its root; the symlinked node_modules lives elsewhere.
  const configName = ["next.config.js", "next.config.mjs"].find((n) => fs.existsSync(path.join(dir, n)));
  if (!configName) throw new Error("expected next.config.js or next.config.mjs");
  const baseName = configName.replace("next.config", "next.config.bench-base");
  fs.renameSync(path.join(dir, configName), path.join(dir, baseName));
  fs.writeFileSync(
    path.join(dir, configName),
    `// Bench wrapper: the project's own config, with a Turbopack root that includes the
// symlinked node_modules (${path.join(ROOT, "node_modules")}).
import base from "./${baseName}";

export default async function benchConfig(phase, context) {
  const config = typeof base === "function" ? await base(phase, context) : base;
  return { ...config, outputFileTracingRoot: "/", turbopack: { ...config.turbopack, root: "/" } };
}
`,
  );

  const started = performance.now();
  log(`building ${variant} variant in ${dir}`);
  const logFile = path.join(tempRoot, `build-${variant}.log`);
  try {
    const { stdout, stderr } = await run(path.join(dir, "node_modules/.bin/next"), ["build"], {
      cwd: dir,
      env: { ...appEnv({}), NODE_ENV: "production" },
      timeoutMs: 300_000,
      label: `next build (${variant})`,
    });
    fs.writeFileSync(logFile, stdout + stderr);
  } catch (error) {
    fs.writeFileSync(logFile, (error.stdout ?? "") + (error.stderr ?? ""));
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  // The built matcher must carry the exclusion (edge: middleware-manifest, Node.js proxy:
  // functions-config-manifest).
  const manifests = ["middleware-manifest.json", "functions-config-manifest.json"]
    .map((name) => path.join(dir, ".next/server", name))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file, "utf8"))
    .join("\n");
  const bare = excluded.bare && manifests.includes("(?!bench/bare|");
  return { variant, dir, seconds: round(seconds, 1), gateFile: variant === "node" ? "proxy.ts" : file, bare };
}

// ---------------------------------------------------------------------------------------
// Environment, databases, servers

const AUTH_SECRET = randomBytes(48).toString("base64");

// Variables the app reads that must not leak in from the caller (e.g. a Vitest run or
// a developer's shell): every one the bench relies on is set explicitly below.
const APP_VARIABLE =
  /^(AUTH_|RATE_LIMIT_|DATABASE_|REFRESH_|SESSION_|ACCESS_TOKEN_|CLOCK_|BCRYPT_|APP_URL$|TRUST_PROXY$|SOCKET_ADDRESS_HEADER$|NODE_OPTIONS$|PORT$|HOSTNAME$|TEST_DATABASE_URL$)/;

function appEnv(overrides) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !APP_VARIABLE.test(key)));
  return {
    ...env,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
    AUTH_SECRET,
    ACCESS_TOKEN_TTL_SECONDS: "3600",
    BCRYPT_COST: "4",
    RATE_LIMIT_REFRESH_FAILURES_PER_IP: HUGE_RATE,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: HUGE_RATE,
    RATE_LIMIT_LOGIN_PER_IP: HUGE_RATE,
    RATE_LIMIT_REGISTER_PER_IP: HUGE_RATE,
    ...overrides,
  };
}

async function prepareDatabase(buildDir, databaseUrl, bcryptCost) {
  const env = appEnv({ DATABASE_URL: databaseUrl, BCRYPT_COST: String(bcryptCost) });
  const tsx = path.join(buildDir, "node_modules/.bin/tsx");
  await run(tsx, ["--conditions=react-server", "prisma/migrate.ts"], {
    cwd: buildDir,
    env,
    label: "migrate",
    timeoutMs: 120_000,
  });
  await run(tsx, ["--conditions=react-server", "prisma/seed.ts"], {
    cwd: buildDir,
    env,
    label: "seed",
    timeoutMs: 120_000,
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// `process.exit` on SIGTERM, so that --cpu-prof writes its profile when the server stops.
const EXIT_ON_SIGTERM = 'data:text/javascript,process.once("SIGTERM",()=>process.exit(0))';

async function startServer(
  name,
  build,
  { databaseUrl, bcryptCost = 4, cpuProfDir, healthTimeoutMs = 60_000, pin = true },
) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const nodeArgs = [
    ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, "--import", EXIT_ON_SIGTERM] : []),
    "server.mjs",
    "-p",
    String(port),
    "-H",
    "127.0.0.1",
  ];
  const [command, args] = pin ? pinned(SERVER_CORE, process.execPath, nodeArgs) : [process.execPath, nodeArgs];
  const logFile = path.join(tempRoot, `server-${name}.log`);
  const fd = fs.openSync(logFile, "w");
  if (cleaningUp) throw new Error("stopping");
  const child = spawn(command, args, {
    cwd: build.dir,
    env: appEnv({ DATABASE_URL: databaseUrl, APP_URL: origin, BCRYPT_COST: String(bcryptCost) }),
    stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  cleanups.push(stop);
  const server = {
    name,
    origin,
    pinned: pin && PINNING.pinned,
    pid: child.pid,
    logFile,
    stop,
    logs: () => fs.readFileSync(logFile, "utf8"),
    rssMiB() {
      // taskset execs node, so the child's pid is the server.mjs process itself.
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return round(kb / 1024, 1);
    },
  };

  const deadline = Date.now() + healthTimeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server ${name} exited early:\n${tail(server.logs())}`);
    try {
      const response = await fetch(`${origin}/api/health`);
      if (response.ok) return server;
      last = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`server ${name} did not become healthy (${last}):\n${tail(server.logs())}`);
}

async function loginCookie(server) {
  const response = await fetch(`${server.origin}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin },
    body: JSON.stringify(DEMO),
  });
  if (response.status !== 200) throw new Error(`login failed: HTTP ${response.status} ${await response.text()}`);
  const access = response.headers.getSetCookie().find((c) => c.startsWith("access_token="));
  if (!access) throw new Error("login set no access_token cookie");
  return access.split(";")[0];
}

// ---------------------------------------------------------------------------------------
// Statistics

function round(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(values) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------------------------------
// Contention: the share of the server's core that other processes took during a
// measurement (this machine may be running someone's build or tests at the same time).

const contentionSamples = [];

function readCoreTicks(core) {
  const line = fs
    .readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function processTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function startContention(serverPid) {
  let before;
  try {
    before = PINNING.pinned ? { core: readCoreTicks(SERVER_CORE), server: processTicks(serverPid) } : null;
  } catch {
    before = null;
  }
  return () => {
    if (!before?.core) return null;
    try {
      const core = readCoreTicks(SERVER_CORE);
      const server = processTicks(serverPid);
      const total = core.total - before.core.total;
      if (total <= 0) return null;
      const foreign = Math.max(0, (core.busy - before.core.busy - (server - before.server)) / total);
      contentionSamples.push(foreign);
      return round(foreign, 3);
    } catch {
      return null;
    }
  };
}

// ---------------------------------------------------------------------------------------
// autocannon comparisons (pages and APIs)

let AUTOCANNON;

async function autocannon(url, { seconds, connections, cookie, serverPid }) {
  const args = [AUTOCANNON.cli, "--json", "-n", "-c", String(connections), "-d", String(seconds)];
  if (cookie) args.push("-H", `cookie=${cookie}`);
  args.push(url);
  const [command, full] = pinned(LOAD_CORE, process.execPath, args);
  const contention = startContention(serverPid);
  const { stdout } = await run(command, full, { timeoutMs: (seconds + 60) * 1000, label: "autocannon" });
  const foreign = contention();
  const result = lastJsonLine(stdout);
  return {
    reqPerSec: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    foreign,
  };
}

// At most this many repeated measurements per run, each when other processes took more
// than this share of the server's core.
const RETRY_ABOVE_FOREIGN = 0.2;
const retryBudget = { left: MODE === "full" ? 8 : 0 };
const refreshRetryBudget = { left: MODE === "full" ? 2 : 0 };

/**
 * Alternates the endpoints over rounds (the order rotates every round) and keeps, per
 * endpoint, the median req/s and latencies, and per pair the median of per-round ratios.
 */
async function compareEndpoints(server, endpoints, cookie, settings, label, afterWarmup) {
  for (const endpoint of endpoints) {
    const response = await fetch(`${server.origin}${endpoint.path}`, { headers: { cookie }, redirect: "manual" });
    await response.arrayBuffer();
    if (response.status !== 200)
      throw new Error(`${label}: GET ${endpoint.path} answered ${response.status}, expected 200`);
    endpoint.csp = response.headers.has("content-security-policy");
  }
  for (const endpoint of endpoints) {
    if (settings.warmupSeconds > 0) {
      await autocannon(`${server.origin}${endpoint.path}`, { ...settings, seconds: settings.warmupSeconds, cookie });
    } else {
      for (let i = 0; i < 20; i += 1)
        await (await fetch(`${server.origin}${endpoint.path}`, { headers: { cookie } })).arrayBuffer();
    }
  }
  afterWarmup?.();
  const rounds = [];
  for (let r = 0; r < settings.rounds; r += 1) {
    const order = endpoints.map((_, i) => endpoints[(i + r) % endpoints.length]);
    const round = {};
    for (const endpoint of order) {
      log(`${label}: round ${r + 1}/${settings.rounds} ${endpoint.path}`);
      const measure = () =>
        autocannon(`${server.origin}${endpoint.path}`, { ...settings, cookie, serverPid: server.pid });
      let result = await measure();
      // Another process took a large share of the server's core: measure that one again.
      while (result.foreign !== null && result.foreign > RETRY_ABOVE_FOREIGN && retryBudget.left > 0) {
        retryBudget.left -= 1;
        log(`${label}: other processes took ${Math.round(100 * result.foreign)}% of the server core; measuring again`);
        result = { ...(await measure()), retried: (result.retried ?? 0) + 1 };
      }
      round[endpoint.key] = result;
    }
    rounds.push(round);
  }
  const summary = {};
  for (const endpoint of endpoints) {
    const runs = rounds.map((r) => r[endpoint.key]);
    summary[endpoint.key] = {
      path: endpoint.path,
      measures: endpoint.measures,
      reqPerSec: round(median(runs.map((x) => x.reqPerSec)), 1),
      p50Ms: round(median(runs.map((x) => x.p50)), 2),
      p99Ms: round(median(runs.map((x) => x.p99)), 2),
      non2xx: runs.reduce((a, x) => a + x.non2xx, 0),
      errors: runs.reduce((a, x) => a + x.errors, 0),
      contentSecurityPolicy: endpoint.csp,
      // Share of the server core taken by other processes during each round.
      serverCoreForeign: round(median(runs.map((x) => x.foreign)), 3),
      rounds: runs.map((x) => ({
        reqPerSec: round(x.reqPerSec, 1),
        p50Ms: x.p50,
        p99Ms: x.p99,
        total: x.total,
        serverCoreForeign: x.foreign,
        retried: x.retried,
      })),
    };
  }
  const ratio = (a, b) => {
    if (!summary[a] || !summary[b]) return null;
    const perRound = rounds.map((r) => r[a].reqPerSec / r[b].reqPerSec);
    // With the server pinned to one saturated core, 1/throughput is its time per request.
    const extraMs = 1000 / summary[a].reqPerSec - 1000 / summary[b].reqPerSec;
    return {
      reqPerSecRatio: round(median(perRound), 3),
      perRound: perRound.map((x) => round(x, 3)),
      extraServerMsPerRequest: round(extraMs, 3),
      p50Ratio: round(summary[a].p50Ms / summary[b].p50Ms, 3),
      p99Ratio: round(summary[a].p99Ms / summary[b].p99Ms, 3),
    };
  };
  return { endpoints: summary, ratio, settings };
}

const PAGE_ENDPOINTS = [
  { key: "bare", path: "/bench/bare", measures: "no middleware at all (excluded from the matcher)" },
  {
    key: "pass",
    path: "/bench/pass",
    measures: "middleware that only returns NextResponse.next() (runtime invocation alone)",
  },
  { key: "public", path: "/bench/public", measures: "middleware without token verification (CSRF check + CSP nonce)" },
  { key: "gated", path: "/dashboard/bench", measures: "the full gate with a valid access cookie (+ JWT verification)" },
];

async function pageSection(server, build, afterWarmup) {
  const endpoints = PAGE_ENDPOINTS.filter((e) => e.key !== "bare" || build.bare).map((e) => ({ ...e }));
  const cookie = await loginCookie(server);
  const result = await compareEndpoints(server, endpoints, cookie, S.pages, `${build.variant} pages`, afterWarmup);
  return {
    gateFile: build.gateFile,
    runtime: build.variant === "edge" ? "edge runtime (middleware.ts)" : "Node.js runtime (proxy.ts)",
    endpoints: result.endpoints,
    bareNote: build.bare ? undefined : "no /bench/bare: the matcher could not be patched",
    ratios: {
      "gated/public": result.ratio("gated", "public"),
      "gated/pass-through": result.ratio("gated", "pass"),
      "public/pass-through": result.ratio("public", "pass"),
      "pass-through/no-middleware": result.ratio("pass", "bare"),
    },
  };
}

async function apiSection(server) {
  const cookie = await loginCookie(server);
  const endpoints = [
    { key: "me", path: "/api/me", measures: "gated API: edge token check + getCurrentSession (one DB query)" },
    { key: "health", path: "/api/health", measures: "public API: middleware CSRF/CSP + SELECT 1" },
  ];
  const result = await compareEndpoints(server, endpoints, cookie, S.pages, "api");
  return { endpoints: result.endpoints, ratios: { "me/health": result.ratio("me", "health") } };
}

// ---------------------------------------------------------------------------------------
// Refresh and login throughput (bench/load.mjs)

const CLOCK_TICKS = clockTicks();

async function loadRun(server, concurrency, phases, label, { countContention = true } = {}) {
  const config = {
    origin: server.origin,
    email: DEMO.email,
    password: DEMO.password,
    concurrency,
    phases,
    serverPid: server.pid,
    serverCore: server.pinned ? SERVER_CORE : null,
    clockTicks: CLOCK_TICKS,
  };
  const seconds = phases.reduce((a, p) => a + p.seconds, 0);
  const [command, args] = pinned(LOAD_CORE, process.execPath, [
    path.join(BENCH_DIR, "load.mjs"),
    JSON.stringify(config),
  ]);
  log(`${label}: concurrency ${concurrency}, ${seconds} s`);
  const { stdout } = await run(command, args, { timeoutMs: (seconds + 180) * 1000, label: `load (${label})` });
  const out = lastJsonLine(stdout);
  for (const r of Object.values(out.results))
    if (countContention && r.serverCoreForeign !== null) contentionSamples.push(r.serverCoreForeign);
  return out;
}

function shortStats(r) {
  if (!r) return null;
  return {
    perSecond: r.perSecond,
    ok: r.ok,
    errors: r.errors,
    statusCounts: r.statusCounts,
    errorSamples: r.errorSamples.length ? r.errorSamples : undefined,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    meanMs: r.latencyMs.mean,
    serverCpuShare: r.serverCpuShare,
    serverCpuMsPerOp: r.serverCpuMsPerOp,
    serverCoreForeign: r.serverCoreForeign,
    rounds: r.rounds,
  };
}

// retry: PostgreSQL's own backends run on the server's core too, so there "other
// processes" are part of the workload and never a reason to measure again.
async function refreshLevels(server, label, { withHealth = true, retry = true } = {}) {
  const levels = [];
  for (const concurrency of S.refresh.levels) {
    const kinds = withHealth ? ["refresh", "health"] : ["refresh"];
    const phases = [];
    if (S.refresh.warmupSeconds > 0)
      for (const kind of kinds) phases.push({ kind, seconds: S.refresh.warmupSeconds, record: false });
    for (let r = 0; r < S.refresh.rounds; r += 1) {
      const order = r % 2 ? [...kinds].reverse() : kinds;
      for (const kind of order) phases.push({ kind, seconds: S.refresh.seconds, record: true });
    }
    let out = await loadRun(server, concurrency, phases, `${label} refresh`, { countContention: retry });
    const foreign = () => Math.max(...Object.values(out.results).map((r) => r.serverCoreForeign ?? 0));
    let repeated;
    // Another process took a large share of the server's core: run this level again, once.
    if (retry && foreign() > RETRY_ABOVE_FOREIGN && refreshRetryBudget.left > 0) {
      refreshRetryBudget.left -= 1;
      repeated = round(foreign(), 3);
      log(
        `${label}: other processes took ${Math.round(100 * repeated)}% of the server core; running c=${concurrency} again`,
      );
      out = await loadRun(server, concurrency, phases, `${label} refresh`, { countContention: retry });
    }
    const refresh = shortStats(out.results.refresh);
    const health = shortStats(out.results.health);
    levels.push({
      concurrency,
      sessions: out.sessions,
      relogins: out.relogins,
      refresh,
      health,
      refreshToHealth: health ? round(refresh.perSecond / health.perSecond, 3) : null,
      repeatedAfterContention: repeated,
    });
  }
  return levels;
}

const CHECK_SQL = {
  sessions: 'SELECT COUNT(*) AS n FROM "Session"',
  revoked: 'SELECT COUNT(*) AS n FROM "Session" WHERE "revokedAt" IS NOT NULL',
  tokens: 'SELECT COUNT(*) AS n FROM "RefreshToken"',
  current: 'SELECT COUNT(*) AS n FROM "RefreshToken" WHERE "usedAt" IS NULL',
  events: 'SELECT COUNT(*) AS n FROM "AuthEvent"',
  perSession:
    'SELECT s."id" AS id, (SELECT COUNT(*) FROM "RefreshToken" t WHERE t."sessionId" = s."id" AND t."usedAt" IS NULL) AS current FROM "Session" s',
};

function summariseCheck(counts, perSession) {
  const currents = perSession.map((row) => Number(row.current));
  const exactlyOne = currents.filter((n) => n === 1).length;
  return {
    sessions: counts.sessions,
    revokedSessions: counts.revoked,
    refreshTokenRows: counts.tokens,
    currentTokens: counts.current,
    authEventRows: counts.events,
    sessionsWithExactlyOneCurrentToken: exactlyOne,
    sessionsWithNoCurrentToken: currents.filter((n) => n === 0).length,
    sessionsWithSeveralCurrentTokens: currents.filter((n) => n > 1).length,
    refreshTokenRowsPerSession: round(counts.tokens / Math.max(1, counts.sessions), 2),
    ok: exactlyOne === counts.sessions && counts.revoked === 0,
  };
}

function checkSqlite(file) {
  const Database = requireFromRoot("better-sqlite3");
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (sql) => Number(db.prepare(sql).get().n);
    const counts = {
      sessions: count(CHECK_SQL.sessions),
      revoked: count(CHECK_SQL.revoked),
      tokens: count(CHECK_SQL.tokens),
      current: count(CHECK_SQL.current),
      events: count(CHECK_SQL.events),
    };
    return { ...summariseCheck(counts, db.prepare(CHECK_SQL.perSession).all()), fileBytes: fs.statSync(file).size };
  } finally {
    db.close();
  }
}

async function checkPostgres(url) {
  const { Client } = requireFromRoot("pg");
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const count = async (sql) => Number((await client.query(sql)).rows[0].n);
    const counts = {
      sessions: await count(CHECK_SQL.sessions),
      revoked: await count(CHECK_SQL.revoked),
      tokens: await count(CHECK_SQL.tokens),
      current: await count(CHECK_SQL.current),
      events: await count(CHECK_SQL.events),
    };
    return summariseCheck(counts, (await client.query(CHECK_SQL.perSession)).rows);
  } finally {
    await client.end();
  }
}

async function prune(build, databaseUrl, extraEnv = {}) {
  const env = appEnv({ DATABASE_URL: databaseUrl, ...extraEnv });
  const { stdout } = await run(
    path.join(build.dir, "node_modules/.bin/tsx"),
    ["--conditions=react-server", "prisma/prune.ts"],
    {
      cwd: build.dir,
      env,
      label: "prune",
      timeoutMs: 120_000,
    },
  );
  return stdout.trim().split("\n").at(-1);
}

async function loginSection(build) {
  const file = path.join(tempRoot, "db-login", "app.db");
  const url = `file:${file}`;
  await prepareDatabase(build.dir, url, LOGIN_BCRYPT_COST);
  const server = await startServer("login", build, { databaseUrl: url, bcryptCost: LOGIN_BCRYPT_COST });
  try {
    await loginCookie(server); // warm-up: first login, compiles the route
    const levels = [];
    for (const concurrency of S.login.levels) {
      const out = await loadRun(
        server,
        concurrency,
        [{ kind: "login", seconds: S.login.seconds, record: true }],
        "login",
      );
      levels.push({ concurrency, ...shortStats(out.results.login) });
    }
    return { bcryptCost: LOGIN_BCRYPT_COST, levels };
  } finally {
    await server.stop();
  }
}

async function runVerify(extraEnv) {
  const env = appEnv({
    APP_URL: "http://127.0.0.1:3000",
    BENCH_VERIFY_SECONDS: String(S.verify.seconds),
    BENCH_VERIFY_ROUNDS: String(S.verify.rounds),
    BENCH_BCRYPT_COST: String(LOGIN_BCRYPT_COST),
    BENCH_BCRYPT_ITERATIONS: String(S.verify.bcryptIterations),
    ...extraEnv,
  });
  const [command, args] = pinned(SERVER_CORE, path.join(ROOT, "node_modules/.bin/tsx"), [
    "--conditions=react-server",
    path.join(BENCH_DIR, "verify.ts"),
  ]);
  const { stdout } = await run(command, args, { cwd: ROOT, env, label: "verify.ts", timeoutMs: 300_000 });
  return lastJsonLine(stdout);
}

async function verifySection() {
  const result = await runVerify({});
  // The keyring's optional EdDSA mode: the same verifyAccessToken, a token it signed.
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    const eddsa = await runVerify({ BENCH_VERIFY_MODE: "eddsa-keyring", AUTH_ED25519_PRIVATE_KEY: pem });
    result.verification.push(...eddsa.verification);
  } catch (error) {
    result.eddsaKeyring = { skipped: firstLines(error.message, 3) };
  }
  return result;
}

async function dbPathSection(build) {
  const dir = path.join(tempRoot, "db-path");
  const url = `file:${path.join(dir, "app.db")}`;
  await prepareDatabase(build.dir, url, 4);
  const env = appEnv({
    APP_URL: "http://127.0.0.1:3000",
    BENCH_DB_URL: url,
    BENCH_SQLITE_DIR: dir,
    BENCH_DB_ITERATIONS: String(S.dbPath.iterations),
  });
  const [command, args] = pinned(SERVER_CORE, path.join(ROOT, "node_modules/.bin/tsx"), [
    "--conditions=react-server",
    path.join(BENCH_DIR, "db-path.ts"),
  ]);
  log("refresh path without HTTP (db-path.ts)");
  const { stdout } = await run(command, args, { cwd: ROOT, env, label: "db-path.ts", timeoutMs: 300_000 });
  return lastJsonLine(stdout);
}

// ---------------------------------------------------------------------------------------
// PostgreSQL (optional: reported as skipped when anything about it fails)

async function postgresSection(build) {
  let pg;
  try {
    pg = requireFromRoot("pg");
  } catch {
    return { skipped: "the pg package is not installed" };
  }
  let admin;
  let user;
  let lastError;
  for (const candidate of ["postgres", "root"]) {
    const client = new pg.Client({
      host: "127.0.0.1",
      port: 5432,
      user: candidate,
      database: "postgres",
      connectionTimeoutMillis: 3000,
    });
    try {
      await client.connect();
      admin = client;
      user = candidate;
      break;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
    }
  }
  if (!admin) return { skipped: `cannot connect to PostgreSQL at 127.0.0.1:5432: ${lastError?.message}` };

  const name = `bench_${randomBytes(6).toString("hex")}`;
  const drop = async () => {
    await admin
      .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      .catch(() => admin.query(`DROP DATABASE IF EXISTS ${name}`));
    await admin.end();
  };
  let dropped = false;
  const dropOnce = async () => {
    if (dropped) return;
    dropped = true;
    await drop();
  };
  cleanups.push(dropOnce);
  const url = `postgres://${user}@127.0.0.1:5432/${name}`;
  const version = (await admin.query("SHOW server_version")).rows[0].server_version;
  let server;
  let stage = "create database";
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    stage = "migrate/seed";
    await prepareDatabase(build.dir, url, 4);
    stage = "start the server";
    server = await startServer("postgres", build, { databaseUrl: url, healthTimeoutMs: 30_000 });
    stage = "log in";
    await loginCookie(server);
    stage = "refresh run";
    const levels = await refreshLevels(server, "postgresql", { retry: false });
    const rssAfterMiB = server.rssMiB();
    await server.stop();
    stage = "database check";
    const check = await checkPostgres(url);
    return { database: name, serverVersion: version, user, levels, check, rssAfterRefreshMiB: rssAfterMiB };
  } catch (error) {
    return { skipped: `${stage} failed on PostgreSQL: ${firstLines(error.message, 3)}` };
  } finally {
    await server?.stop();
    await dropOnce();
  }
}

function firstLines(text, n) {
  return String(text)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .join(" | ")
    .slice(0, 500);
}

// ---------------------------------------------------------------------------------------
// CPU profile summary

function packageOf(file) {
  const at = file.lastIndexOf("node_modules/");
  if (at < 0) return null;
  const parts = file.slice(at + "node_modules/".length).split("/");
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function makeResolver(buildDir) {
  const maps = new Map();
  const mapFor = (url) => {
    if (maps.has(url)) return maps.get(url);
    let map = null;
    try {
      const file = fileURLToPath(url);
      if (file.startsWith(path.join(buildDir, ".next")) && fs.existsSync(`${file}.map`)) {
        map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
      }
    } catch {
      map = null;
    }
    maps.set(url, map);
    return map;
  };
  return (callFrame) => {
    const { url, lineNumber, columnNumber, functionName } = callFrame;
    if (!url)
      return {
        where: "(native)",
        group: ["(idle)", "(program)", "(garbage collector)"].includes(functionName)
          ? functionName
          : "(V8 builtins / native code)",
      };
    if (url.startsWith("node:")) return { where: url, group: "node: core modules" };
    if (url.startsWith("wasm://")) return { where: url, group: "WebAssembly" };
    let where = url.replace(/^file:\/\//, "");
    const map = url.startsWith("file:") ? mapFor(url) : null;
    if (map) {
      const entry = map.findEntry(lineNumber, columnNumber);
      if (entry?.originalSource) {
        let original = entry.originalSource.replace(/^turbopack:\/\/\/?/, "").replace(/^\[project\]\/?/, "");
        // Relative to the chunk: make it absolute, then relative to the project copy.
        if (original.startsWith("../")) original = path.resolve(path.dirname(fileURLToPath(url)), original);
        if (original.startsWith(buildDir)) original = path.relative(buildDir, original);
        const modules = original.lastIndexOf("node_modules/");
        if (modules >= 0) original = original.slice(modules);
        where = `${original}:${entry.originalLine + 1} (bundled)`;
      }
    } else {
      where = `${where}:${lineNumber + 1}`;
    }
    const pkg = packageOf(where);
    if (pkg) return { where, group: pkg };
    if (where.includes(".next/server/edge")) return { where, group: "edge bundle (middleware)" };
    if (where.includes(".next/")) return { where, group: "app server bundle" };
    return {
      where,
      group: `app: ${where
        .split("/")
        .slice(0, 2)
        .join("/")
        .replace(/:\d+.*$/, "")}`,
    };
  };
}

// Layers, outermost last: a sample belongs to the first layer found anywhere on its stack,
// so "database driver" is all time under a driver call, whoever called it.
const LAYERS = [
  [
    "database driver: SQLite / pg calls, incl. blocking file I/O",
    (f) => /better-sqlite3|adapter-pg|^pg$|pg-protocol/.test(f.group),
  ],
  ["Prisma client: query planning, interpretation, result mapping", (f) => f.group.startsWith("@prisma/")],
  ["rate-limiter-flexible", (f) => f.group === "rate-limiter-flexible"],
  ["jose (JWT signing)", (f) => f.group === "jose"],
  ["app code (lib/, app/, middleware)", (f) => /^(lib|app)\/|^(middleware|proxy)\./.test(f.where)],
  ["Next.js (routing, request/response, edge sandbox)", (f) => f.group === "next" || f.group.includes("bundle")],
  ["Node.js core (http, streams, crypto, async hooks)", (f) => f.group === "node: core modules"],
];

function summariseProfile(file, buildDir, window, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const resolve = makeResolver(buildDir);
  const frames = new Map();
  const frameOf = (node) => {
    let frame = frames.get(node.id);
    if (!frame) {
      const { where, group } = resolve(node.callFrame);
      frame = { function: node.callFrame.functionName || "(anonymous)", url: node.callFrame.url, where, group };
      frames.set(node.id, frame);
    }
    return frame;
  };
  const layers = new Map();
  const layerOf = (node) => {
    if (layers.has(node.id)) return layers.get(node.id);
    const special = ["(idle)", "(garbage collector)", "(program)"].find((name) => node.callFrame.functionName === name);
    let layer = special ?? null;
    if (!layer) {
      const stack = [];
      for (let id = node.id; id !== undefined; id = parents.get(id)) stack.push(frameOf(nodes.get(id)));
      layer = LAYERS.find(([, test]) => stack.some(test))?.[0] ?? "other (V8 builtins, native, unattributed)";
    }
    layers.set(node.id, layer);
    return layer;
  };

  // Keep the samples taken while the load ran (V8's clock and process.hrtime are both
  // CLOCK_MONOTONIC), so server start-up does not count; fall back to all of them.
  const times = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  let inWindow = (i) => !window || (times[i] >= window.startMicros && times[i] <= window.endMicros);
  const kept = profile.samples.filter((_, i) => inWindow(i)).length;
  const windowed = Boolean(window) && kept > profile.samples.length * 0.1;
  if (!windowed) inWindow = () => true;

  const byFunction = new Map();
  const byGroup = new Map();
  const byLayer = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    if (!inWindow(i)) continue;
    const node = nodes.get(profile.samples[i]);
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const frame = frameOf(node);
    if (frame.function === "(idle)") idle += micros;
    const key = `${frame.function}\u0000${frame.url}`;
    const entry = byFunction.get(key) ?? { ...frame, micros: 0, samples: 0 };
    entry.micros += micros;
    entry.samples += 1;
    byFunction.set(key, entry);
    const layer = layerOf(node);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + micros);
  }
  for (const entry of byFunction.values()) byGroup.set(entry.group, (byGroup.get(entry.group) ?? 0) + entry.micros);
  const busy = total - idle;
  const row = (micros) => ({ selfMs: round(micros / 1000, 1), percentOfBusy: round((100 * micros) / busy, 1) });
  const ranked = (map, n) =>
    [...map]
      .filter(([name]) => name !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, n);
  return {
    file: path.basename(file),
    window: windowed ? "samples taken while the load ran" : "all samples (start-up included)",
    totalMs: round(total / 1000, 0),
    idleMs: round(idle / 1000, 0),
    busyMs: round(busy / 1000, 0),
    topFunctions: [...byFunction.values()]
      .filter((e) => e.function !== "(idle)")
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((e) => ({ ...row(e.micros), function: e.function, where: e.where, group: e.group, samples: e.samples })),
    byGroup: ranked(byGroup, 15).map(([group, micros]) => ({ group, ...row(micros) })),
    byLayer: ranked(byLayer, 20).map(([layer, micros]) => ({ layer, ...row(micros) })),
  };
}

// ---------------------------------------------------------------------------------------
// Report

// One row per measured endpoint (pages and APIs share the layout).
function endpointTable(endpoints) {
  return table(
    ["endpoint", "measures", "req/s", "p50 ms", "p99 ms", "non-2xx", "others on server core"],
    Object.values(endpoints).map((e) => [
      e.path,
      e.measures,
      fmt(e.reqPerSec),
      fmt(e.p50Ms, 2),
      fmt(e.p99Ms, 2),
      e.non2xx + e.errors,
      percent(e.serverCoreForeign),
    ]),
  );
}

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? "–" : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(cells[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join(
    "\n",
  );
}

function percent(share) {
  return share === null || share === undefined ? null : `${(100 * share).toFixed(0)}%`;
}

function fmt(x, digits = 1) {
  return x === null || x === undefined ? null : Number(x).toFixed(digits);
}

function renderReport(results) {
  const out = [];
  const m = results.meta;
  out.push(`# Bench (${m.mode}) — ${m.timestamp}`);
  out.push(
    `commit ${m.gitCommit?.slice(0, 12) ?? "?"} · Node ${m.node} · Next ${m.next} · autocannon ${m.autocannon ?? "–"} · ${m.cores} cores (${m.cpuModel}) · ${m.pinning.pinned ? `server ${m.mode === "cpu-prof" ? "unpinned (profiled)" : m.pinning.server}, load ${m.pinning.load}` : m.pinning.note} · ${fmt(m.durationSeconds, 0)} s`,
  );

  if (m.contention?.median !== null && m.contention?.median !== undefined) {
    const busy = m.contention.max > 0.1;
    out.push(
      `other processes took ${fmt(100 * m.contention.median, 0)}% (median; max ${fmt(100 * m.contention.max, 0)}%) of the server's core during the measurements${busy ? " — the machine was busy: compare the side-by-side ratios, not absolute numbers" : ""}`,
    );
  }

  const pages = results.pages ?? {};
  for (const [variant, section] of Object.entries(pages)) {
    if (section.error) {
      out.push(`\n## Pages, ${variant}: FAILED — ${section.error}`);
      continue;
    }
    out.push(
      `\n## Pages, ${section.runtime} — medians of ${S.pages.rounds} × ${S.pages.seconds} s, c=${S.pages.connections}`,
    );
    out.push(endpointTable(section.endpoints));
  }
  const ratioNames = ["gated/public", "gated/pass-through", "public/pass-through", "pass-through/no-middleware"];
  const variants = Object.keys(pages).filter((v) => !pages[v].error);
  if (variants.length) {
    out.push(`\n## Gate ratios (req/s ratio, median of per-round ratios; Δ = extra server ms per request)`);
    out.push(
      table(
        ["ratio", ...variants.flatMap((v) => [`${v} req/s`, `${v} Δ ms`, `${v} p50/p99 ratio`])],
        ratioNames.map((name) => [
          name,
          ...variants.flatMap((v) => {
            const r = pages[v].ratios[name];
            return r
              ? [
                  fmt(r.reqPerSecRatio, 3),
                  fmt(r.extraServerMsPerRequest, 3),
                  `${fmt(r.p50Ratio, 2)} / ${fmt(r.p99Ratio, 2)}`,
                ]
              : [null, null, null];
          }),
        ]),
      ),
    );
    if (variants.includes("edge") && variants.includes("node")) {
      out.push(`\n## Edge vs Node (node req/s ÷ edge req/s, same page)`);
      out.push(
        table(
          ["endpoint", "edge req/s", "node req/s", "node/edge"],
          Object.keys(pages.edge.endpoints).map((k) => {
            const e = pages.edge.endpoints[k];
            const n = pages.node.endpoints[k];
            return [e.path, fmt(e.reqPerSec), fmt(n?.reqPerSec), n ? fmt(n.reqPerSec / e.reqPerSec, 3) : null];
          }),
        ),
      );
    }
  }

  if (results.api) {
    if (results.api.error) out.push(`\n## API: FAILED — ${results.api.error}`);
    else {
      const r = results.api.ratios["me/health"];
      out.push(
        `\n## API, edge variant — /api/me ÷ /api/health: req/s ${fmt(r.reqPerSecRatio, 3)}, p50 ${fmt(r.p50Ratio, 2)}, p99 ${fmt(r.p99Ratio, 2)}, Δ ${fmt(r.extraServerMsPerRequest, 3)} ms`,
      );
      out.push(endpointTable(results.api.endpoints));
    }
  }

  if (results.refresh) {
    out.push(
      `\n## Refresh rotation (each client its own session and chain; ${S.refresh.rounds} × ${S.refresh.seconds} s per kind, alternating)`,
    );
    const rows = [];
    for (const [db, section] of Object.entries(results.refresh)) {
      if (section.skipped || section.error) {
        rows.push([
          db,
          null,
          section.skipped ? `skipped: ${section.skipped}` : `FAILED: ${section.error}`,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
        ]);
        continue;
      }
      for (const l of section.levels) {
        rows.push([
          db,
          l.concurrency,
          fmt(l.refresh.perSecond),
          fmt(l.refresh.p50Ms, 1),
          fmt(l.refresh.p99Ms, 1),
          l.refresh.errors + (l.health?.errors ?? 0),
          fmt(l.health?.perSecond),
          fmt(l.refreshToHealth, 3),
          l.refresh.serverCpuShare === null ? null : `${fmt(100 * l.refresh.serverCpuShare, 0)}%`,
          fmt(l.refresh.serverCpuMsPerOp, 2),
          percent(l.refresh.serverCoreForeign),
        ]);
      }
    }
    out.push(
      table(
        [
          "db",
          "c",
          "rotations/s",
          "p50 ms",
          "p99 ms",
          "errors",
          "health req/s",
          "refresh/health",
          "server CPU",
          "CPU ms/rotation",
          "others on server core",
        ],
        rows,
      ),
    );
    const checks = Object.entries(results.refresh).filter(([, s]) => s.check);
    for (const [db, section] of checks) {
      const c = section.check;
      out.push(
        `${db}: ${c.sessions} sessions, ${c.sessionsWithExactlyOneCurrentToken} with exactly one current token, ${c.revokedSessions} revoked, ${c.refreshTokenRows} token rows → ${c.ok ? "OK" : "NOT OK"}`,
      );
    }
    const target = results.refresh.sqlite?.target;
    if (target) {
      const verdict = target.met === null ? "n/a (no such level in this mode)" : target.met ? "met" : "NOT met";
      out.push(
        `target refresh/health ≥ ${target.min} at c=${target.concurrency} on SQLite: ${target.value ?? "–"} → ${verdict}`,
      );
    }
  }

  if (results.login) {
    if (results.login.error) out.push(`\n## Login: FAILED — ${results.login.error}`);
    else {
      const l = results.login;
      out.push(`\n## Login at BCRYPT_COST=${l.bcryptCost} (one bcryptjs compare = ${fmt(l.hashMs, 1)} ms in-process)`);
      out.push(
        table(
          [
            "c",
            "logins/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "bound 1 core (server pinned)",
            `bound ${m.cores} cores (cores / hash time)`,
          ],
          l.levels.map((x) => [
            x.concurrency,
            fmt(x.perSecond, 2),
            fmt(x.p50Ms, 1),
            fmt(x.p99Ms, 1),
            x.errors,
            fmt(l.boundOneCore, 2),
            fmt(l.boundAllCores, 2),
          ]),
        ),
      );
    }
  }

  if (results.verify) {
    if (results.verify.error) out.push(`\n## Verification micro-benchmark: FAILED — ${results.verify.error}`);
    else {
      out.push(`\n## Access-token verification, in-process (µs per call, median of ${S.verify.rounds} rounds)`);
      const base = results.verify.verification[0].microseconds;
      out.push(
        table(
          ["method", "µs", "× verifyAccessToken"],
          results.verify.verification.map((v) => [v.name, fmt(v.microseconds, 2), fmt(v.microseconds / base, 2)]),
        ),
      );
    }
  }

  if (results.dbPath) {
    if (results.dbPath.error) out.push(`\n## Refresh path without HTTP: FAILED — ${results.dbPath.error}`);
    else {
      const d = results.dbPath;
      const c = d.appConnection;
      out.push(
        `\n## Refresh path without HTTP (in-process, ${d.iterations} iterations; the app's SQLite connection: journal_mode=${c.journalMode}, synchronous=${c.synchronous})`,
      );
      const rows = [
        ["rotation + rate-limit call (what POST /api/auth/refresh runs)", d.rotation.withLimiter],
        ["rotation alone (rotateRefreshToken)", d.rotation.withoutLimiter],
        ["SELECT 1 through Prisma (what /api/health runs)", d.rotation.select1],
        ...d.commit.map((x) => [
          `one autocommit upsert, better-sqlite3, ${x.journal} journal, synchronous=${x.synchronous}`,
          x,
        ]),
      ];
      out.push(
        table(
          ["measurement", "wall ms", "CPU ms"],
          rows.map(([name, x]) => [name, fmt(x.wallMs, 3), fmt(x.cpuMs, 3)]),
        ),
      );
      const at16 = results.refresh?.sqlite?.levels?.find((l) => l.concurrency === 16);
      if (at16?.refresh?.serverCpuMsPerOp)
        out.push(
          `HTTP server at c=16: ${fmt(at16.refresh.serverCpuMsPerOp, 2)} CPU ms per rotation, ${fmt(at16.health?.serverCpuMsPerOp, 2)} per /api/health`,
        );
    }
  }

  if (results.memory) {
    const mem = results.memory;
    out.push(`\n## Memory and rows`);
    const rows = [];
    for (const [k, v] of Object.entries(mem.rssMiB ?? {}))
      rows.push([`server RSS ${k}`, v === null ? null : `${fmt(v)} MiB`]);
    if (mem.rows) {
      rows.push(["sessions after the refresh run", mem.rows.sessions]);
      rows.push(["rotations in the refresh run (token rows − sessions)", mem.rows.rotations]);
      rows.push(["RefreshToken rows per session after the refresh run", fmt(mem.rows.perSessionBefore, 2)]);
      rows.push([
        `after \`prisma/prune.ts\` (defaults: ${mem.rows.pruneDefault})`,
        fmt(mem.rows.perSessionAfterDefaultPrune, 2),
      ]);
      rows.push([
        `after prune with REFRESH_IDLE_TTL_SECONDS=1 (illustration only: ${mem.rows.pruneShort})`,
        fmt(mem.rows.perSessionAfterShortPrune, 2),
      ]);
      rows.push(["SQLite file after the refresh run", `${fmt(mem.rows.fileBytes / 1024, 0)} KiB`]);
    }
    out.push(table(["measurement", "value"], rows));
  }

  if (results.profile) {
    const p = results.profile;
    if (p.error) out.push(`\n## CPU profile: FAILED — ${p.error}`);
    else {
      out.push(
        `\n## CPU profile of the refresh run (${p.note}; ${p.window}; ${p.busyMs} ms busy of ${p.totalMs} ms; % of busy time)`,
      );
      out.push(
        table(
          ["self ms", "%", "function", "where"],
          p.topFunctions.map((f) => [fmt(f.selfMs, 0), fmt(f.percentOfBusy, 1), f.function, f.where]),
        ),
      );
      out.push(`\nBy package / origin:`);
      out.push(
        table(
          ["group", "self ms", "%"],
          p.byGroup.map((g) => [g.group, fmt(g.selfMs, 0), fmt(g.percentOfBusy, 1)]),
        ),
      );
      out.push(`\nBy layer (a sample counts for the first of these layers, in this order, found on its stack):`);
      out.push(
        table(
          ["layer", "ms", "%"],
          p.byLayer.map((g) => [g.layer, fmt(g.selfMs, 0), fmt(g.percentOfBusy, 1)]),
        ),
      );
    }
  }

  if (results.problems.length) {
    out.push(`\n## Problems`);
    for (const p of results.problems) out.push(`- ${p}`);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------
// Main

async function section(results, name, fn) {
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    const message = firstLines(error.message, 6);
    results.problems.push(`${name}: ${message}`);
    log(`${name} FAILED: ${error.message}`);
    return { error: message };
  } finally {
    results.meta.sectionSeconds[name] = round((performance.now() - started) / 1000, 1);
  }
}

async function main() {
  const started = performance.now();
  AUTOCANNON = MODE === "cpu-prof" ? null : resolveAutocannon();
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), "next-auth-bench-"));
  const results = {
    meta: {
      mode: MODE,
      timestamp: new Date().toISOString(),
      gitCommit: gitCommit(),
      node: process.version,
      next: packageVersion("next"),
      autocannon: AUTOCANNON?.version ?? null,
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

  const builds = {};
  for (const variant of S.variants) {
    const build = await section(results, `build ${variant}`, () => prepareVariant(variant));
    results.builds[variant] = build.error
      ? { error: build.error }
      : { seconds: build.seconds, gateFile: build.gateFile, noMiddlewarePage: build.bare };
    if (!build.error) builds[variant] = build;
  }
  const edge = builds.edge;
  if (!edge) throw new Error(`the edge build failed: ${results.builds.edge?.error}`);

  if (MODE === "cpu-prof") {
    await profileRun(results, edge);
  } else {
    results.verify = await section(results, "verify", verifySection);
    results.dbPath = await section(results, "db path", () => dbPathSection(edge));
    results.pages = {};
    results.refresh = {};
    results.memory = { rssMiB: {} };

    // Edge server on SQLite: pages, API, refresh, memory.
    const sqliteFile = path.join(tempRoot, "db-edge", "app.db");
    const sqliteUrl = `file:${sqliteFile}`;
    await section(results, "edge server", async () => {
      await prepareDatabase(edge.dir, sqliteUrl, 4);
      const server = await startServer("edge", edge, { databaseUrl: sqliteUrl });
      try {
        results.memory.rssMiB["edge, after start"] = server.rssMiB();
        const afterWarmup = () => (results.memory.rssMiB["edge, after warm-up"] = server.rssMiB());
        results.pages.edge = await section(results, "pages edge", () => pageSection(server, edge, afterWarmup));
        results.memory.rssMiB["edge, after the page runs"] = server.rssMiB();
        results.api = await section(results, "api", () => apiSection(server));
        results.refresh.sqlite = await section(results, "refresh sqlite", async () => ({
          levels: await refreshLevels(server, "sqlite"),
        }));
        results.memory.rssMiB["edge, after the refresh run"] = server.rssMiB();
      } finally {
        await server.stop();
      }
      if (!results.refresh.sqlite.error) {
        const check = checkSqlite(sqliteFile);
        results.refresh.sqlite.check = check;
        if (!check.ok) results.problems.push(`refresh sqlite: database check failed: ${JSON.stringify(check)}`);
        const errors = results.refresh.sqlite.levels.reduce(
          (a, l) => a + l.refresh.errors + (l.health?.errors ?? 0),
          0,
        );
        if (errors > 0) results.problems.push(`refresh sqlite: ${errors} non-200 responses`);
        const at16 = results.refresh.sqlite.levels.find((l) => l.concurrency === 16);
        results.refresh.sqlite.target = {
          concurrency: 16,
          min: 0.5,
          value: at16?.refreshToHealth ?? null,
          met: at16 ? at16.refreshToHealth >= 0.5 : null,
        };

        const pruneDefault = await prune(edge, sqliteUrl);
        const afterDefault = checkSqlite(sqliteFile);
        const pruneShort = await prune(edge, sqliteUrl, { REFRESH_IDLE_TTL_SECONDS: "1" });
        const afterShort = checkSqlite(sqliteFile);
        results.memory.rows = {
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
    });

    if (builds.node) {
      await section(results, "node server", async () => {
        const url = `file:${path.join(tempRoot, "db-node", "app.db")}`;
        await prepareDatabase(builds.node.dir, url, 4);
        const server = await startServer("node", builds.node, { databaseUrl: url });
        try {
          const afterWarmup = () => (results.memory.rssMiB["node, after warm-up"] = server.rssMiB());
          results.pages.node = await section(results, "pages node", () =>
            pageSection(server, builds.node, afterWarmup),
          );
          results.memory.rssMiB["node, after the page runs"] = server.rssMiB();
        } finally {
          await server.stop();
        }
      });
    }

    results.login = await section(results, "login", () => loginSection(edge));
    if (!results.login.error) {
      const hashMs = results.verify?.bcrypt?.medianMs ?? null;
      results.login.hashMs = hashMs;
      results.login.boundOneCore = hashMs ? round(1000 / hashMs, 2) : null;
      results.login.boundAllCores = hashMs ? round((CORES * 1000) / hashMs, 2) : null;
      results.login.boundNote =
        "bcryptjs hashes on the JavaScript thread: one server process does at most 1/hash-time logins per second whatever the core count; cores/hash-time needs one process per core.";
    }

    if (S.postgres && !options["skip-postgres"]) {
      results.refresh.postgresql = await section(results, "refresh postgresql", () => postgresSection(edge));
      if (results.refresh.postgresql.error) results.refresh.postgresql = { skipped: results.refresh.postgresql.error };
      else if (results.refresh.postgresql.rssAfterRefreshMiB)
        results.memory.rssMiB["postgresql server, after the refresh run"] =
          results.refresh.postgresql.rssAfterRefreshMiB;
      // PostgreSQL never fails the bench.
      results.problems = results.problems.filter((p) => !p.startsWith("refresh postgresql"));
    } else {
      results.refresh.postgresql = { skipped: MODE === "smoke" ? "smoke mode" : "--skip-postgres" };
    }
  }

  results.meta.durationSeconds = round((performance.now() - started) / 1000, 1);
  results.meta.contention = {
    measure: "share of the server's core (core 0) used by other processes during each measurement",
    median: round(median([...contentionSamples]), 3),
    max: contentionSamples.length ? round(Math.max(...contentionSamples), 3) : null,
    measurements: contentionSamples.length,
    repeatedMeasurements: (MODE === "full" ? 8 : 0) - retryBudget.left,
    repeatedRefreshLevels: (MODE === "full" ? 2 : 0) - refreshRetryBudget.left,
    loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderReport(results));
  console.log(`\nResults written to ${path.relative(process.cwd(), OUT) || OUT}`);
  return results.problems.length === 0;
}

async function profileRun(results, edge) {
  const profDir = path.join(tempRoot, "cpu-profile");
  const sqliteUrl = `file:${path.join(tempRoot, "db-profile", "app.db")}`;
  results.refresh = {};
  results.profile = await section(results, "cpu profile", async () => {
    await prepareDatabase(edge.dir, sqliteUrl, 4);
    // Unpinned: V8's sampling thread shares the server's CPU affinity, and on one core it
    // gets to sample mostly while the JavaScript thread is blocked in a system call,
    // which over-attributes blocking I/O (measured: 45 % vs 18 % for the SQLite driver).
    const server = await startServer("profile", edge, { databaseUrl: sqliteUrl, cpuProfDir: profDir, pin: false });
    const micros = () => Number(process.hrtime.bigint() / 1000n);
    const window = { startMicros: micros() };
    try {
      results.refresh.sqlite = { levels: await refreshLevels(server, "sqlite (profiled)", { withHealth: false }) };
      window.endMicros = micros();
    } finally {
      await server.stop();
    }
    const file = fs.readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("the server wrote no .cpuprofile");
    if (options["cpu-prof-out"]) {
      fs.mkdirSync(options["cpu-prof-out"], { recursive: true });
      fs.copyFileSync(path.join(profDir, file), path.join(options["cpu-prof-out"], file));
    }
    return {
      note: "refresh requests only (no health phases); server under node --cpu-prof, not pinned; load generator on core 1",
      ...summariseProfile(path.join(profDir, file), edge.dir, window),
    };
  });
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  log(`FAILED: ${error.stack ?? error.message}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
