// Command line, mode and per-mode settings of `npm run bench`.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);

export const SECTIONS = ["verify", "db-path", "pages", "api", "refresh", "node", "login", "postgres"] as const;
export type Section = (typeof SECTIONS)[number];

export const USAGE = `npm run bench [-- options]: measures the production build, side by side, on this machine.

  (no option)       full run (~8 min on 2 cores), writes bench/results.json
  --smoke           every section for ~1 s, edge + SQLite only (BENCH_SMOKE=1 too)
  --out FILE        where the JSON goes
  --cpu-prof        the refresh section under \`node --cpu-prof\`, top 15 self-time functions
                    (JSON to $TMPDIR/next-auth-bench-profile.json unless --out;
                    --cpu-prof-out DIR keeps the .cpuprofile)
  --skip-postgres   leave PostgreSQL out
  --keep-temp       keep the temporary builds, databases and logs
  --only A,B        only these sections: ${SECTIONS.join(", ")}
                    (e.g. --only pages,refresh: the gate and rotation targets, one build)`;

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: process.env.BENCH_SMOKE === "1" },
    out: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    "cpu-prof-out": { type: "string" },
    "skip-postgres": { type: "boolean", default: false },
    "keep-temp": { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

export const options = {
  smoke: values.smoke === true,
  out: values.out,
  cpuProf: values["cpu-prof"] === true,
  cpuProfOut: values["cpu-prof-out"],
  skipPostgres: values["skip-postgres"] === true,
  keepTemp: values["keep-temp"] === true,
  only: values.only?.split(",").map((name) => name.trim()),
  help: values.help === true,
};

const unknownSection = options.only?.find((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknownSection) throw new Error(`--only: unknown section "${unknownSection}" (sections: ${SECTIONS.join(", ")})`);

/** Whether this run measures a section (all of them unless --only names some). */
export function wants(section: Section): boolean {
  return !options.only || options.only.includes(section);
}

export type Mode = "full" | "smoke" | "cpu-prof";
export const MODE: Mode = options.cpuProf ? "cpu-prof" : options.smoke ? "smoke" : "full";

// The login section's cost. A smoke run only proves the section works: cost 4 keeps its
// seeding and hashing from dominating the test's time.
export const LOGIN_BCRYPT_COST = Number(process.env.BENCH_BCRYPT_COST ?? (MODE === "smoke" ? "4" : "12"));

// A profile run does not overwrite the full results.
export const OUT = path.resolve(
  options.out ??
    (MODE === "cpu-prof"
      ? path.join(os.tmpdir(), "next-auth-bench-profile.json")
      : path.join(BENCH_DIR, "results.json")),
);

export type Variant = "edge" | "node";

/**
 * rounds: at least this many; then more, until every watched ratio's 95 % interval is
 * within ±precision, budgetSeconds have passed (counted from the first round), or
 * maxRounds. nodeBudgetSeconds: the budget of the Node.js-runtime build's pages.
 */
export type PageSettings = {
  warmupSeconds: number;
  rounds: number;
  maxRounds: number;
  seconds: number;
  connections: number;
  precision: number;
  budgetSeconds: number;
  nodeBudgetSeconds: number;
};

export type Settings = {
  variants: Variant[];
  pages: PageSettings;
  api: PageSettings;
  refresh: { levels: number[]; warmupSeconds: number; rounds: number; seconds: number };
  // Sign-ins/s: rounds of `seconds` at `concurrency` (enough to keep every password
  // worker busy). Burst: refresh latency at `refreshConcurrency`, alternately alone and
  // during `burst` concurrent sign-ins, `seconds` each, for at least `rounds` pairs,
  // then until the p99 ratio's interval is within ±precision or the budget is spent.
  // boundSamples: bcryptjs compares timed after each round (the round's one-thread bound).
  login: { concurrency: number; rounds: number; seconds: number; boundSamples: number };
  burst: {
    burst: number;
    refreshConcurrency: number;
    seconds: number;
    rounds: number;
    maxRounds: number;
    precision: number;
    budgetSeconds: number;
  };
  verify: { seconds: number; rounds: number; bcryptIterations: number };
  dbPath: { iterations: number };
  postgres: boolean;
};

const FULL: Settings = {
  variants: ["edge", "node"],
  pages: {
    warmupSeconds: 1,
    rounds: 4,
    maxRounds: 40,
    seconds: 2,
    connections: 10,
    precision: 0.03,
    budgetSeconds: 110,
    nodeBudgetSeconds: 25,
  },
  api: {
    warmupSeconds: 1,
    rounds: 3,
    maxRounds: 20,
    seconds: 2,
    connections: 10,
    precision: 0.03,
    budgetSeconds: 15,
    nodeBudgetSeconds: 0,
  },
  refresh: { levels: [1, 16, 64], warmupSeconds: 1, rounds: 2, seconds: 4 },
  login: { concurrency: 4, rounds: 4, seconds: 3, boundSamples: 3 },
  // 60 s: about six pairs (three gave an interval of ×/÷ 2.4); the full run stays under 10 min (575 s).
  burst: { burst: 20, refreshConcurrency: 4, seconds: 3, rounds: 3, maxRounds: 10, precision: 0.1, budgetSeconds: 60 },
  verify: { seconds: 0.5, rounds: 3, bcryptIterations: 5 },
  dbPath: { iterations: 200 },
  postgres: true,
};

const SMOKE: Settings = {
  variants: ["edge"],
  // Two rounds: the fewest that give an interval.
  pages: {
    warmupSeconds: 0,
    rounds: 2,
    maxRounds: 2,
    seconds: 1,
    connections: 2,
    precision: 0.03,
    budgetSeconds: 0,
    nodeBudgetSeconds: 0,
  },
  api: {
    warmupSeconds: 0,
    rounds: 2,
    maxRounds: 2,
    seconds: 1,
    connections: 2,
    precision: 0.03,
    budgetSeconds: 0,
    nodeBudgetSeconds: 0,
  },
  refresh: { levels: [2], warmupSeconds: 0.2, rounds: 1, seconds: 1 },
  login: { concurrency: 2, rounds: 2, seconds: 1, boundSamples: 1 },
  burst: { burst: 4, refreshConcurrency: 2, seconds: 1, rounds: 2, maxRounds: 2, precision: 0.1, budgetSeconds: 0 },
  verify: { seconds: 0.05, rounds: 1, bcryptIterations: 1 },
  dbPath: { iterations: 20 },
  postgres: false,
};

const SETTINGS: Record<Mode, Settings> = {
  full: FULL,
  smoke: SMOKE,
  "cpu-prof": { ...(options.smoke ? SMOKE : FULL), variants: ["edge"], postgres: false },
};

const chosen = SETTINGS[MODE];
// The Node.js-runtime build is the slowest part of a run; skip it when its pages are not wanted.
export const S: Settings = { ...chosen, variants: chosen.variants.filter((v) => v === "edge" || wants("node")) };
