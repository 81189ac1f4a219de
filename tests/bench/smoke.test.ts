// The benchmark runs end to end (every section for about a second) and writes its JSON.
// No timing is asserted: the figures belong to `npm run bench`, not to the tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

import { failed, type Results } from "../../bench/harness/report";

/** A section the bench ran: a missing or failed one (`{ error }`) fails the test here. */
function ran<T extends object>(section: T | { error: string } | undefined, name: string): T {
  if (section === undefined || failed(section)) throw new Error(`${name}: ${JSON.stringify(section)}`);
  return section;
}

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
    const edge = ran(results.pages?.edge, "edge pages");
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
    const login = ran(results.login, "login");
    expect(login.signIns.perSecond).toBeGreaterThan(0);
    expect(login.burst.rounds.length).toBeGreaterThan(0);
    expect(verdicts).toContain(login.burstTarget.verdict);
    // Each sign-in round is weighed against the bcrypt bound timed right after it.
    expect(login.hashMs.perRound).toHaveLength(login.signIns.rounds.length);
    for (const ms of login.hashMs.perRound) expect(ms).toBeGreaterThan(0);
    expect(login.signInTarget.rounds).toBe(login.signIns.rounds.length);
    expect(verdicts).toContain(login.signInTarget.verdict);
  },
  BENCH_TIMEOUT_MS + 60_000,
);
