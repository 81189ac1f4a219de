// Builds: one copy of the project per variant in the run's temporary directory, with
// the bench pages and the bench gate (bench/variants/gate.ts) added and `next build` run
// there. The repository itself is never edited, built or served.
import fs from "node:fs";
import path from "node:path";
import { config as appMiddlewareConfig } from "../../middleware";
import { BENCH_NO_MIDDLEWARE_HEADER } from "../variants/header";
import type { Variant } from "./options";
import { BENCH_DIR, ROOT } from "./options";
import { CommandError, log, run, temp } from "./processes";
import { appEnv } from "./env";
import { round } from "./stats";

export type Build = { variant: Variant; dir: string; seconds: number | null; gateFile: string; bare: boolean };

const COPY_EXCLUDE_TOP = new Set([
  "node_modules",
  ".next",
  ".tmp",
  ".git",
  "test-results",
  "playwright-report",
  "coverage",
  "bench",
  // Nothing a build compiles; and with no type check in the copy (wrapNextConfig), no
  // test that imports bench/ (not copied) can fail it.
  "tests",
  "e2e",
]);

function copyFilter(src: string): boolean {
  const rel = path.relative(ROOT, src);
  if (rel === "") return true;
  const [top = ""] = rel.split(path.sep);
  if (COPY_EXCLUDE_TOP.has(top)) return false;
  if (rel === path.join("prisma", "data")) return false;
  // No local env files: the bench sets every variable it relies on.
  if (!rel.includes(path.sep) && /^\.env/.test(rel)) return false;
  return true;
}

const BENCH_PAGE = `// Written by the bench into a temporary copy of the project; never committed.
export const dynamic = "force-dynamic";

export default function BenchPage() {
  return <p>bench</p>;
}
`;

export const BENCH_PAGES = ["bench/bare", "bench/pass", "bench/public", "bench/authjs", "dashboard/bench"];

// The home page again, at /bench/home: static like it, listed as a static page in the
// copy (so it gets the same kind of hash CSP) and requested with the no-middleware
// header, so that / is compared with itself minus whatever the gate still costs it.
const BENCH_HOME_PAGE = `// Written by the bench into a temporary copy of the project; never committed.
export { default } from "../../page";
export const dynamic = "force-static";
`;
const BENCH_STATIC_PAGES = `
// Added by the bench (bench/harness/variants.ts) to its temporary copy.
STATIC_PAGES["/bench/home"] = "bench/home.html";
`;

type Matcher = string | { source: string; missing?: unknown[]; [key: string]: unknown };

/**
 * The app's own matcher, each entry also skipped when the request carries the bench
 * header: the same page then runs without any middleware, with no edit to a pattern.
 */
export function benchMatcher(matcher: Matcher | Matcher[]): Matcher[] {
  const skip = { type: "header", key: BENCH_NO_MIDDLEWARE_HEADER };
  return (Array.isArray(matcher) ? matcher : [matcher]).map((entry) =>
    typeof entry === "string"
      ? { source: entry, missing: [skip] }
      : { ...entry, missing: [...(entry.missing ?? []), skip] },
  );
}

function gateModule(variant: Variant): { file: string; source: string } {
  // Next 16's Node.js-runtime convention is proxy.ts exporting `proxy`.
  const exportName = variant === "node" ? "proxy" : "middleware";
  const config = { matcher: benchMatcher(appMiddlewareConfig.matcher as Matcher[]) };
  const source = `// Written by the bench (bench/harness/variants.ts) into a temporary copy; never committed.
import type { NextFetchEvent, NextRequest } from "next/server";
import { middleware as appMiddleware } from "./app-middleware";
import { createBenchGate } from "./bench/variants/gate";

const gate = createBenchGate(appMiddleware);

export function ${exportName}(request: NextRequest, event: NextFetchEvent) {
  return gate(request, event);
}

export const config = ${JSON.stringify(config, null, 2)};
`;
  return { file: variant === "node" ? "proxy.ts" : "middleware.ts", source };
}

// Turbopack resolves only inside its root; the symlinked node_modules lives elsewhere.
// No type check: the copy is the repository's code, which `npm run typecheck` checks, plus
// the bench's pages and gate; checking it again cost each bench build about 15 CPU s.
function wrapNextConfig(dir: string): void {
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
  return {
    ...config,
    outputFileTracingRoot: "/",
    turbopack: { ...config.turbopack, root: "/" },
    typescript: { ...config.typescript, ignoreBuildErrors: true },
  };
}
`,
  );
}

export async function buildVariant(variant: Variant): Promise<Build> {
  const dir = temp(`build-${variant}`);
  fs.cpSync(ROOT, dir, { recursive: true, filter: copyFilter, verbatimSymlinks: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");

  for (const page of BENCH_PAGES) {
    fs.mkdirSync(path.join(dir, "app", page), { recursive: true });
    fs.writeFileSync(path.join(dir, "app", page, "page.tsx"), BENCH_PAGE);
  }
  fs.mkdirSync(path.join(dir, "app/bench/home"), { recursive: true });
  fs.writeFileSync(path.join(dir, "app/bench/home/page.tsx"), BENCH_HOME_PAGE);
  fs.appendFileSync(path.join(dir, "lib/http/static-pages.mjs"), BENCH_STATIC_PAGES);
  if (!fs.existsSync(path.join(dir, "middleware.ts"))) throw new Error("no middleware.ts in the project");
  fs.renameSync(path.join(dir, "middleware.ts"), path.join(dir, "app-middleware.ts"));
  fs.cpSync(path.join(BENCH_DIR, "variants"), path.join(dir, "bench/variants"), { recursive: true });
  const gate = gateModule(variant);
  fs.writeFileSync(path.join(dir, gate.file), gate.source);
  wrapNextConfig(dir);

  const started = performance.now();
  log(`building ${variant} variant in ${dir}`);
  const logFile = temp(`build-${variant}.log`);
  try {
    const { stdout, stderr } = await run(path.join(dir, "node_modules/.bin/next"), ["build"], {
      cwd: dir,
      env: { ...appEnv({}), NODE_ENV: "production" },
      timeoutMs: 300_000,
      label: `next build (${variant})`,
    });
    fs.writeFileSync(logFile, stdout + stderr);
  } catch (error) {
    if (error instanceof CommandError) fs.writeFileSync(logFile, error.stdout + error.stderr);
    throw error;
  }
  // The built matcher must carry the skip condition (edge: middleware-manifest, Node.js
  // proxy: functions-config-manifest).
  const manifests = ["middleware-manifest.json", "functions-config-manifest.json"]
    .map((name) => path.join(dir, ".next/server", name))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file, "utf8"))
    .join("\n");
  return {
    variant,
    dir,
    seconds: round((performance.now() - started) / 1000, 1),
    gateFile: gate.file,
    bare: manifests.includes(BENCH_NO_MIDDLEWARE_HEADER),
  };
}
