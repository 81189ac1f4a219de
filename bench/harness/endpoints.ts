// Pages and APIs under autocannon: compared endpoints alternate over short rounds (the
// order rotates each round) after a warm-up, until every watched ratio's 95 % interval
// is within ±precision or the time budget is spent; medians per endpoint, per-round
// ratios with their interval (stats.ts).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BENCH_NO_MIDDLEWARE_HEADER } from "../variants/header";
import { processCpuMs, startContention } from "./contention";
import { MODE, ROOT, S, type PageSettings } from "./options";
import { LOAD_CORE, lastJsonLine, log, pinned, run } from "./processes";
import { authjsCookie, loginCookie, type Server } from "./servers";
import { median, ratioInterval, round, verdict, type Verdict } from "./stats";
import type { Build } from "./variants";

export type Autocannon = { cli: string; version: string };

export function resolveAutocannon(): Autocannon {
  const bases = [path.join(ROOT, "package.json")];
  const extra = process.env.BENCH_AUTOCANNON_DIR;
  if (extra) {
    if (fs.existsSync(path.join(extra, "autocannon.js"))) bases.push(path.join(extra, "..", "noop.js"));
    bases.push(path.join(extra, "noop.js"), path.join(extra, "node_modules", "noop.js"));
  }
  for (const base of bases) {
    try {
      const pkgPath = createRequire(base).resolve("autocannon/package.json");
      const pkg = JSON.parse(fs.readFileSync(pkgPath, "utf8")) as { version: string; bin?: { autocannon?: string } };
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

let autocannonCli: Autocannon | undefined;
export function setAutocannon(found: Autocannon): void {
  autocannonCli = found;
}

type Shot = {
  reqPerSec: number;
  // Server CPU per request: unlike req/s, barely moved by other processes on its core.
  cpuMsPerRequest: number | null;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  foreign: number | null;
  retried?: number;
};

type AutocannonJson = {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
};

async function autocannon(
  url: string,
  {
    seconds,
    connections,
    headers,
    serverPid,
  }: { seconds: number; connections: number; headers: Record<string, string>; serverPid?: number },
): Promise<Shot> {
  if (!autocannonCli) throw new Error("autocannon not resolved");
  const args = [autocannonCli.cli, "--json", "-n", "-c", String(connections), "-d", String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  args.push(url);
  const [command, full] = pinned(LOAD_CORE, process.execPath, args);
  const contention = startContention(serverPid);
  const cpuBefore = serverPid === undefined ? null : processCpuMs(serverPid);
  const { stdout } = await run(command, full, { timeoutMs: (seconds + 60) * 1000, label: "autocannon" });
  const cpuAfter = serverPid === undefined ? null : processCpuMs(serverPid);
  const foreign = contention();
  const result = lastJsonLine<AutocannonJson>(stdout);
  const cpuMs = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
  return {
    reqPerSec: result.requests.total / result.duration,
    cpuMsPerRequest: cpuMs !== null && result.requests.total > 0 ? cpuMs / result.requests.total : null,
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
export const RETRY_ABOVE_FOREIGN = 0.2;
export const retryBudget = { initial: MODE === "full" ? 8 : 0, left: MODE === "full" ? 8 : 0 };

export type Endpoint = { key: string; path: string; measures: string; headers?: Record<string, string> };

export type EndpointSummary = {
  path: string;
  measures: string;
  reqPerSec: number | null;
  serverCpuMsPerRequest: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  non2xx: number;
  errors: number;
  contentSecurityPolicy: boolean;
  serverCoreForeign: number | null;
  rounds: Array<{
    reqPerSec: number | null;
    serverCpuMsPerRequest: number | null;
    p50Ms: number;
    p99Ms: number;
    total: number;
    serverCoreForeign: number | null;
    retried?: number;
  }>;
};

export type Ratio = {
  reqPerSecRatio: number | null;
  /** 95 % interval from the per-round ratios (geometric mean, t on the logarithms). */
  interval95: { estimate: number | null; low: number | null; high: number | null; halfWidth: number | null } | null;
  /** The same ratio from server CPU per request (b's ÷ a's): what req/s would be on a quiet core. */
  cpuRatio: number | null;
  perRound: Array<number | null>;
  extraServerMsPerRequest: number | null;
  p50Ratio: number | null;
  p99Ratio: number | null;
};

async function compareEndpoints(
  server: Server,
  endpoints: Endpoint[],
  cookie: string,
  settings: PageSettings,
  label: string,
  { afterWarmup, watch = [] }: { afterWarmup?: () => void; watch?: Array<[string, string]> } = {},
): Promise<{
  endpoints: Record<string, EndpointSummary>;
  ratio(a: string, b: string): Ratio | null;
  rounds: number;
  seconds: number;
  stoppedBecause: string;
}> {
  const headersOf = (e: Endpoint) => ({ cookie, ...e.headers });
  const csp = new Map<string, boolean>();
  for (const endpoint of endpoints) {
    const response = await fetch(`${server.origin}${endpoint.path}`, {
      headers: headersOf(endpoint),
      redirect: "manual",
    });
    await response.arrayBuffer();
    if (response.status !== 200)
      throw new Error(`${label}: GET ${endpoint.path} answered ${response.status}, expected 200`);
    csp.set(endpoint.key, response.headers.has("content-security-policy"));
  }
  for (const endpoint of endpoints) {
    const url = `${server.origin}${endpoint.path}`;
    if (settings.warmupSeconds > 0) {
      await autocannon(url, { ...settings, seconds: settings.warmupSeconds, headers: headersOf(endpoint) });
    } else {
      for (let i = 0; i < 20; i += 1) await (await fetch(url, { headers: headersOf(endpoint) })).arrayBuffer();
    }
  }
  afterWarmup?.();
  const rounds: Array<Record<string, Shot>> = [];
  const started = performance.now();
  const watchedIntervals = () =>
    watch.map(([a, b]) => ratioInterval(rounds.map((r) => r[a]!.reqPerSec / r[b]!.reqPerSec)));
  const precise = () => watchedIntervals().every((i) => i !== null && i.halfWidth <= settings.precision);
  for (let r = 0; r < settings.maxRounds; r += 1) {
    if (r >= settings.rounds && (precise() || performance.now() - started > settings.budgetSeconds * 1000)) break;
    const order = endpoints.map((_, i) => endpoints[(i + r) % endpoints.length]!);
    const shots: Record<string, Shot> = {};
    for (const endpoint of order) {
      log(`${label}: round ${r + 1} (at least ${settings.rounds}, at most ${settings.maxRounds}) ${endpoint.path}`);
      const measure = () =>
        autocannon(`${server.origin}${endpoint.path}`, {
          ...settings,
          headers: headersOf(endpoint),
          serverPid: server.pid,
        });
      let result = await measure();
      // Another process took a large share of the server's core: measure that one again.
      while (result.foreign !== null && result.foreign > RETRY_ABOVE_FOREIGN && retryBudget.left > 0) {
        retryBudget.left -= 1;
        log(`${label}: other processes took ${Math.round(100 * result.foreign)}% of the server core; measuring again`);
        result = { ...(await measure()), retried: (result.retried ?? 0) + 1 };
      }
      shots[endpoint.key] = result;
    }
    rounds.push(shots);
  }
  const runsOf = (key: string) => rounds.map((r) => r[key]!);
  const summary: Record<string, EndpointSummary> = {};
  for (const endpoint of endpoints) {
    const runs = runsOf(endpoint.key);
    summary[endpoint.key] = {
      path: endpoint.path,
      measures: endpoint.measures,
      reqPerSec: round(median(runs.map((x) => x.reqPerSec)), 1),
      serverCpuMsPerRequest: round(median(runs.map((x) => x.cpuMsPerRequest)), 3),
      p50Ms: round(median(runs.map((x) => x.p50)), 2),
      p99Ms: round(median(runs.map((x) => x.p99)), 2),
      non2xx: runs.reduce((a, x) => a + x.non2xx, 0),
      errors: runs.reduce((a, x) => a + x.errors, 0),
      contentSecurityPolicy: csp.get(endpoint.key) ?? false,
      // Share of the server core taken by other processes during each round.
      serverCoreForeign: round(median(runs.map((x) => x.foreign)), 3),
      rounds: runs.map((x) => ({
        reqPerSec: round(x.reqPerSec, 1),
        serverCpuMsPerRequest: round(x.cpuMsPerRequest, 3),
        p50Ms: x.p50,
        p99Ms: x.p99,
        total: x.total,
        serverCoreForeign: x.foreign,
        retried: x.retried,
      })),
    };
  }
  const ratio = (a: string, b: string): Ratio | null => {
    const sa = summary[a];
    const sb = summary[b];
    if (!sa || !sb || !sa.reqPerSec || !sb.reqPerSec) return null;
    const perRound = rounds.map((r) => r[a]!.reqPerSec / r[b]!.reqPerSec);
    const cpuPerRound = rounds.map((r) => {
      const [ca, cb] = [r[a]!.cpuMsPerRequest, r[b]!.cpuMsPerRequest];
      return ca && cb ? cb / ca : null;
    });
    // With the server pinned to one saturated core, 1/throughput is its time per request.
    const extraMs = 1000 / sa.reqPerSec - 1000 / sb.reqPerSec;
    const interval = ratioInterval(perRound);
    return {
      reqPerSecRatio: round(median(perRound), 3),
      interval95: interval && {
        estimate: round(interval.estimate, 3),
        low: round(interval.low, 3),
        high: round(interval.high, 3),
        halfWidth: round(interval.halfWidth, 3),
      },
      cpuRatio: round(median(cpuPerRound), 3),
      perRound: perRound.map((x) => round(x, 3)),
      extraServerMsPerRequest: round(extraMs, 3),
      p50Ratio: sa.p50Ms && sb.p50Ms ? round(sa.p50Ms / sb.p50Ms, 3) : null,
      p99Ratio: sa.p99Ms && sb.p99Ms ? round(sa.p99Ms / sb.p99Ms, 3) : null,
    };
  };
  const seconds = round((performance.now() - started) / 1000, 1) ?? 0;
  const stoppedBecause = precise()
    ? `every watched interval within ±${settings.precision}`
    : rounds.length >= settings.maxRounds
      ? `${settings.maxRounds} rounds`
      : `time budget (${settings.budgetSeconds} s)`;
  return { endpoints: summary, ratio, rounds: rounds.length, seconds, stoppedBecause };
}

/** The verdict from a rounded interval as it is stored in the results. */
export function decide(interval: Ratio["interval95"], target: { min: number } | { max: number }): Verdict {
  if (!interval || interval.low === null || interval.high === null) return "not decidable";
  const { low, high } = interval;
  return verdict(
    { estimate: interval.estimate ?? (low + high) / 2, low, high, halfWidth: (high - low) / 2, n: 0 },
    target,
  );
}

// The same trivial force-dynamic page behind each gate (bench/variants/gate.ts).
export const PAGE_ENDPOINTS: Endpoint[] = [
  {
    key: "bare",
    path: "/bench/bare",
    measures: "no middleware at all (the matcher skips this request)",
    headers: { [BENCH_NO_MIDDLEWARE_HEADER]: "1" },
  },
  { key: "pass", path: "/bench/pass", measures: "middleware that only returns NextResponse.next()" },
  { key: "public", path: "/bench/public", measures: "this app, dynamic public page (CSRF check + CSP nonce)" },
  {
    key: "home",
    path: "/",
    measures: "this app, static public page (the home page: prerendered, left out of the matcher, hash CSP)",
  },
  {
    key: "homeBare",
    path: "/bench/home",
    measures: "the home page again, no middleware at all (the matcher skips this request)",
    headers: { [BENCH_NO_MIDDLEWARE_HEADER]: "1" },
  },
  { key: "gated", path: "/dashboard/bench", measures: "this app, protected page (full gate, valid access cookie)" },
  { key: "authjs", path: "/bench/authjs", measures: "Auth.js v4 withAuth (JWE session cookie)" },
];

// Ratio keys say numerator/denominator in the words of the README's table.
// "public" is the static home page since issue 25 (its own no-middleware copy as the
// baseline); the dynamic public pages (/login…) still run the middleware for their nonce.
export const PAGE_RATIOS: Record<string, [string, string]> = {
  "protected/no-op-middleware": ["gated", "pass"],
  "protected/no-middleware": ["gated", "bare"],
  "public/no-middleware": ["home", "homeBare"],
  "dynamic-public/no-middleware": ["public", "bare"],
  "dynamic-public/no-op-middleware": ["public", "pass"],
  "static-public/dynamic-no-middleware": ["home", "bare"],
  "protected/dynamic-public": ["gated", "public"],
  "authjs/no-op-middleware": ["authjs", "pass"],
  "authjs/no-middleware": ["authjs", "bare"],
  "no-op-middleware/no-middleware": ["pass", "bare"],
};

// The targets, checked in every run (a verdict, never a test failure).
export const PAGE_TARGETS: Array<{ ratio: keyof typeof PAGE_RATIOS & string; min: number }> = [
  { ratio: "protected/no-op-middleware", min: 0.95 },
  { ratio: "public/no-middleware", min: 0.97 },
];

/**
 * Why public pages keep the middleware: Next.js writes inline scripts into every page it
 * renders (the bootstrap and the RSC payload); with a CSP that forbids injected inline
 * script they run only with this response's nonce.
 */
async function inlineScripts(server: Server, pagePath: string) {
  const html = await (await fetch(`${server.origin}${pagePath}`)).text();
  const tags = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "");
  const inline = tags.filter((attributes) => !/\bsrc=/.test(attributes));
  return {
    path: pagePath,
    scriptTags: tags.length,
    inline: inline.length,
    inlineWithNonce: inline.filter((attributes) => /\bnonce=/.test(attributes)).length,
  };
}

export type PageSection = {
  gateFile: string;
  runtime: string;
  endpoints: Record<string, EndpointSummary>;
  bareNote?: string;
  ratios: Record<string, Ratio | null>;
  targets: Array<{
    ratio: string;
    min: number;
    value: number | null;
    interval95: Ratio["interval95"];
    verdict: Verdict;
    met: boolean | null;
    cpuValue: number | null;
  }>;
  rounds: { count: number; seconds: number; stoppedBecause: string };
  publicPageInlineScripts: Awaited<ReturnType<typeof inlineScripts>>;
};

export async function pageSection(server: Server, build: Build, afterWarmup?: () => void): Promise<PageSection> {
  const endpoints = PAGE_ENDPOINTS.filter((e) => e.key !== "bare" || build.bare);
  // Every page gets both cookies, so each gate sees the same request.
  const cookie = `${await loginCookie(server)}; ${await authjsCookie()}`;
  const watch = PAGE_TARGETS.map(({ ratio }) => PAGE_RATIOS[ratio]!).filter(([a, b]) =>
    [a, b].every((key) => endpoints.some((e) => e.key === key)),
  );
  const settings = build.variant === "edge" ? S.pages : { ...S.pages, budgetSeconds: S.pages.nodeBudgetSeconds };
  const result = await compareEndpoints(server, endpoints, cookie, settings, `${build.variant} pages`, {
    afterWarmup,
    watch,
  });
  const ratios = Object.fromEntries(Object.entries(PAGE_RATIOS).map(([name, [a, b]]) => [name, result.ratio(a, b)]));
  return {
    gateFile: build.gateFile,
    runtime: build.variant === "edge" ? "edge runtime (middleware.ts)" : "Node.js runtime (proxy.ts)",
    endpoints: result.endpoints,
    bareNote: build.bare ? undefined : "no /bench/bare: the built matcher lacks the bench's skip condition",
    ratios,
    targets: PAGE_TARGETS.map(({ ratio, min }) => {
      const found = ratios[ratio];
      const interval = found?.interval95 ?? null;
      const decided = decide(interval, { min });
      return {
        ratio,
        min,
        value: interval?.estimate ?? found?.reqPerSecRatio ?? null,
        interval95: interval,
        verdict: decided,
        met: decided === "not decidable" ? null : decided === "met",
        cpuValue: found?.cpuRatio ?? null,
      };
    }),
    rounds: { count: result.rounds, seconds: result.seconds, stoppedBecause: result.stoppedBecause },
    publicPageInlineScripts: await inlineScripts(server, "/login"),
  };
}

export type ApiSection = { endpoints: Record<string, EndpointSummary>; ratios: Record<string, Ratio | null> };

export async function apiSection(server: Server): Promise<ApiSection> {
  const cookie = await loginCookie(server);
  const endpoints: Endpoint[] = [
    { key: "me", path: "/api/me", measures: "gated API: edge token check + getCurrentSession (one DB query)" },
    { key: "health", path: "/api/health", measures: "public API: middleware CSRF/CSP + SELECT 1" },
  ];
  const result = await compareEndpoints(server, endpoints, cookie, S.api, "api", { watch: [["me", "health"]] });
  return { endpoints: result.endpoints, ratios: { "me/health": result.ratio("me", "health") } };
}
