// The benchmark runs end to end (every section for about a second) and writes its JSON.
// No timing is asserted: the figures belong to `npm run bench`, not to the tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

// The parts of bench/results.json this test reads. (Not imported from bench/harness/:
// the bench's temporary build type-checks tests/ without bench/.)
type Endpoint = { contentSecurityPolicy: boolean };
type Verdict = "met" | "missed" | "not decidable";
type Interval = { low: number; high: number } | null;
type Results = {
  meta: { cores: number; node: string; next: string; nextAuth: string; gitCommit: string };
  problems: string[];
  builds: { edge?: { noMiddlewarePage?: boolean } };
  pages?: {
    edge?: {
      endpoints: Record<string, Endpoint>;
      ratios: Record<string, { reqPerSecRatio: number; interval95: Interval } | null>;
      targets: Array<{ ratio: string; verdict: Verdict; interval95: Interval }>;
    };
  };
  login?: {
    signIns: { perSecond: number; rounds: unknown[] };
    hashMs: { perRound: Array<number | null> };
    burst: { rounds: Array<{ ratio: number | null }> };
    burstTarget: { verdict: Verdict };
    signInTarget: { verdict: Verdict; rounds: number };
  };
};

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One `next build` plus every section: minutes on a machine shared with other builds.
const BENCH_TIMEOUT_MS = 900_000;

it(
  "npm run bench --smoke produces the results JSON with every section and every gate",
  () => {
    const out = path.join(dir, "results.json");
    execFileSync("node_modules/.bin/tsx", ["bench/run.ts", "--smoke", "--skip-postgres", "--out", out], {
      stdio: "pipe",
      timeout: BENCH_TIMEOUT_MS,
    });
    const results = JSON.parse(readFileSync(out, "utf8")) as Results;
    expect(results.problems).toEqual([]);
    expect(results.meta).toMatchObject({
      cores: expect.any(Number),
      node: process.version,
      next: expect.any(String),
      nextAuth: expect.stringMatching(/^4\./),
    });
    expect(results.meta.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    for (const section of ["pages", "api", "refresh", "login", "verify", "middlewareCost", "memory"])
      expect(results).toHaveProperty(section);
    // The no-middleware baseline really skipped the middleware, and every gate answered 200
    // (anything else is a problem above) with a ratio against both baselines.
    expect(results.builds.edge).toMatchObject({ noMiddlewarePage: true });
    const edge = results.pages?.edge;
    if (!edge) throw new Error("no edge page results");
    expect(Object.keys(edge.endpoints)).toEqual(["bare", "pass", "public", "home", "homeBare", "gated", "authjs"]);
    expect(edge.endpoints.bare?.contentSecurityPolicy).toBe(false);
    expect(edge.endpoints.public?.contentSecurityPolicy).toBe(true);
    expect(edge.endpoints.home?.contentSecurityPolicy).toBe(true);
    for (const ratio of ["protected/no-op-middleware", "public/no-middleware", "authjs/no-middleware"]) {
      expect(edge.ratios[ratio]?.reqPerSecRatio).toEqual(expect.any(Number));
      // Two rounds in a smoke run: the fewest that give an interval.
      expect(edge.ratios[ratio]?.interval95).toEqual({
        estimate: expect.any(Number),
        low: expect.any(Number),
        high: expect.any(Number),
        halfWidth: expect.any(Number),
      });
    }
    const verdicts = ["met", "missed", "not decidable"];
    expect(edge.targets.map((t) => t.ratio)).toEqual(["protected/no-op-middleware", "public/no-middleware"]);
    for (const target of edge.targets) expect(verdicts).toContain(target.verdict);
    // Sign-ins through the password workers, and refresh latency during a burst of them.
    expect(results.login?.signIns.perSecond).toBeGreaterThan(0);
    expect(results.login?.burst.rounds.length).toBeGreaterThan(0);
    expect(verdicts).toContain(results.login?.burstTarget.verdict);
    // Each sign-in round is weighed against the bcrypt bound timed right after it.
    const login = results.login!;
    expect(login.hashMs.perRound).toHaveLength(login.signIns.rounds.length);
    for (const ms of login.hashMs.perRound) expect(ms).toBeGreaterThan(0);
    expect(login.signInTarget.rounds).toBe(login.signIns.rounds.length);
    expect(verdicts).toContain(login.signInTarget.verdict);
  },
  BENCH_TIMEOUT_MS + 60_000,
);
