// The benchmark runs end to end (every section for about a second) and writes its JSON.
// No timing is asserted: the figures belong to `npm run bench`, not to the tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm run bench --smoke produces the results JSON with every section", () => {
  const out = path.join(dir, "results.json");
  execFileSync("node_modules/.bin/tsx", ["bench/run.ts", "--smoke", "--skip-postgres", "--out", out], {
    stdio: "pipe",
    timeout: 300_000,
  });
  const results = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown> & {
    meta: { cores: number; node: string; next: string; gitCommit: string };
    problems: unknown[];
  };
  expect(results.problems).toEqual([]);
  expect(results.meta).toMatchObject({ cores: expect.any(Number), node: process.version, next: expect.any(String) });
  expect(results.meta.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  for (const section of ["pages", "api", "refresh", "login", "verify", "memory"])
    expect(results).toHaveProperty(section);
});
