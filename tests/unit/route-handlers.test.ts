// Every route handler answers "try again later" (the database unreachable, the password
// workers saturated) with a 503 JSON error, never Next.js's 500: each exported handler is
// made by answeringUnavailable (lib/http/unavailable.ts). Checked on the files, so a new
// route cannot forget it; tests/http/faults.test.ts checks the answers on a real server.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// (Handlers re-exported from shared modules, `export { notAllowed as GET }`, are fixed 405
// and 404 answers that touch no database.)
const METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS";

function routeFiles(dir = "app"): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(file);
    return entry.name === "route.ts" ? [file] : [];
  });
}

describe.each(routeFiles())("%s", (file) => {
  const source = readFileSync(file, "utf8");

  it("exports no handler declared as a plain function", () => {
    expect(source.match(new RegExp(`^export (async )?function (${METHODS})\\b.*$`, "gm")) ?? []).toEqual([]);
  });

  it("makes each exported handler with answeringUnavailable", () => {
    const constants = source.match(new RegExp(`^export const (${METHODS}) = .*$`, "gm")) ?? [];
    for (const line of constants) expect(line).toMatch(/= answeringUnavailable\(/);
  });
});

it("finds the route files", () => {
  expect(routeFiles().length).toBeGreaterThan(20);
});
