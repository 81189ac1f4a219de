// The results object written to bench/results.json and its markdown rendering.
import type { ApiSection, EndpointSummary, PageSection } from "./endpoints";
import type {
  DbPathSection,
  LoginSection,
  MiddlewareCostSection,
  RefreshDatabaseSection,
  TargetVerdict,
  VerifySection,
} from "./load";
import type { Mode, Settings } from "./options";
import type { Pinning } from "./processes";
import type { ProfileSummary } from "./profile";

type Failed = { error: string };

export type Results = {
  meta: {
    mode: Mode;
    timestamp: string;
    gitCommit: string | null;
    node: string;
    next: string | null;
    nextAuth: string | null;
    autocannon: string | null;
    cores: number;
    cpuModel: string;
    memoryGiB: number | null;
    platform: string;
    loadAverageAtStart: Array<number | null>;
    pinning: Pinning;
    settings: Settings;
    sectionSeconds: Record<string, number | null>;
    durationSeconds: number | null;
    contention?: {
      measure: string;
      median: number | null;
      max: number | null;
      measurements: number;
      repeatedMeasurements: number;
      repeatedRefreshLevels: number;
      loadAverageAtEnd: Array<number | null>;
    };
  };
  builds: Record<string, { seconds: number | null; gateFile: string; noMiddlewarePage: boolean } | Failed>;
  pages?: Record<string, PageSection | Failed>;
  api?: ApiSection | Failed;
  refresh?: Record<string, RefreshDatabaseSection>;
  login?: LoginSection | Failed;
  verify?: VerifySection | Failed;
  middlewareCost?: MiddlewareCostSection | Failed;
  dbPath?: DbPathSection | Failed;
  memory?: {
    rssMiB: Record<string, number | null>;
    rows?: {
      sessions: number;
      rotations: number;
      perSessionBefore: number | null;
      pruneDefault: string | undefined;
      perSessionAfterDefaultPrune: number | null;
      pruneShort: string | undefined;
      perSessionAfterShortPrune: number | null;
      fileBytes: number | undefined;
    };
  };
  profile?: ({ note: string } & ProfileSummary) | Failed;
  problems: string[];
};

export function failed<T extends object>(section: T | Failed | undefined): section is Failed {
  return section !== undefined && "error" in section;
}

type Cell = string | number | null | undefined;

function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? "–" : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(cells[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join(
    "\n",
  );
}

function percent(share: number | null | undefined): string | null {
  return share === null || share === undefined ? null : `${(100 * share).toFixed(0)}%`;
}

function intervalText(i: { low: number | null; high: number | null } | null | undefined): string {
  return i && i.low !== null && i.high !== null ? `[${fmt(i.low, 3)}, ${fmt(i.high, 3)}]` : "[–]";
}

function targetLine(t: TargetVerdict): string {
  const bound = "min" in t.target ? `≥ ${t.target.min}` : `≤ ${t.target.max}`;
  return `target ${t.what} ${bound}: ${fmt(t.value, 3) ?? "–"}, 95 % interval ${intervalText(t.interval95)} over ${t.rounds} rounds → ${t.verdict.toUpperCase()}`;
}

function fmt(x: number | null | undefined, digits = 1): string | null {
  return x === null || x === undefined ? null : Number(x).toFixed(digits);
}

// One row per measured endpoint (pages and APIs share the layout).
function endpointTable(endpoints: Record<string, EndpointSummary>): string {
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

/** The README's performance table: each gate against both baselines, same run, same page. */
export function gateTable(section: PageSection): string {
  const rows: Array<[string, string, string | null, string | null]> = [
    ["no-op middleware (`NextResponse.next()` only)", "pass", null, "no-op-middleware/no-middleware"],
    ["this app, static public page (no middleware, hash CSP) ÷ the same page", "home", null, "public/no-middleware"],
    [
      "this app, dynamic public page (CSRF check + CSP nonce)",
      "public",
      "dynamic-public/no-op-middleware",
      "dynamic-public/no-middleware",
    ],
    ["this app, protected page (full gate)", "gated", "protected/no-op-middleware", "protected/no-middleware"],
    ["Auth.js v4 `withAuth` (JWE session cookie)", "authjs", "authjs/no-op-middleware", "authjs/no-middleware"],
  ];
  return table(
    ["gate", "req/s", "÷ no-op middleware", "÷ no middleware", "server CPU ms/req", "CPU: ÷ no-op", "CPU: ÷ none"],
    rows.map(([name, key, overPass, overBare]) => [
      name,
      fmt(section.endpoints[key]?.reqPerSec),
      overPass ? fmt(section.ratios[overPass]?.reqPerSecRatio, 3) : "1",
      overBare ? fmt(section.ratios[overBare]?.reqPerSecRatio, 3) : null,
      fmt(section.endpoints[key]?.serverCpuMsPerRequest, 3),
      overPass ? fmt(section.ratios[overPass]?.cpuRatio, 3) : "1",
      overBare ? fmt(section.ratios[overBare]?.cpuRatio, 3) : null,
    ]),
  );
}

export function renderReport(results: Results): string {
  const out: string[] = [];
  const m = results.meta;
  const S = m.settings;
  const pinning = m.pinning.pinned
    ? `server ${m.mode === "cpu-prof" ? "unpinned (profiled)" : m.pinning.server}, load ${m.pinning.load}`
    : m.pinning.note;
  out.push(`# Bench (${m.mode}) — ${m.timestamp}`);
  out.push(
    `commit ${m.gitCommit?.slice(0, 12) ?? "?"} · Node ${m.node} · Next ${m.next} · next-auth ${m.nextAuth ?? "–"} · autocannon ${m.autocannon ?? "–"} · ${m.cores} cores (${m.cpuModel}) · ${pinning} · ${fmt(m.durationSeconds, 0)} s`,
  );
  const contention = m.contention;
  if (contention && contention.median !== null) {
    const busy = (contention.max ?? 0) > 0.1;
    out.push(
      `other processes took ${fmt(100 * contention.median, 0)}% (median; max ${fmt(100 * (contention.max ?? 0), 0)}%) of the server's core during the measurements${busy ? " — the machine was busy: compare the side-by-side ratios, not absolute numbers" : ""}`,
    );
  }

  const pages = results.pages ?? {};
  const okPages: Record<string, PageSection> = {};
  for (const [variant, section] of Object.entries(pages)) {
    if (failed(section)) {
      out.push(`\n## Pages, ${variant}: FAILED — ${section.error}`);
      continue;
    }
    okPages[variant] = section;
    out.push(
      `\n## Pages, ${section.runtime} — medians of ${section.rounds.count} interleaved rounds × ${S.pages.seconds} s, c=${S.pages.connections} (${section.rounds.seconds} s; stopped: ${section.rounds.stoppedBecause})`,
    );
    out.push(endpointTable(section.endpoints));
    out.push(`\nGates (req/s ratios: medians of per-round ratios):`);
    out.push(gateTable(section));
    const scripts = section.publicPageInlineScripts;
    out.push(
      `${scripts.path}: ${scripts.inline} inline scripts (of ${scripts.scriptTags}), ${scripts.inlineWithNonce} carrying the response's nonce`,
    );
    for (const t of section.targets)
      out.push(
        `target ${t.ratio} ≥ ${t.min}: ${fmt(t.value, 3) ?? "–"}, 95 % interval ${intervalText(t.interval95)} → ${t.verdict.toUpperCase()} (from server CPU per request: ${fmt(t.cpuValue, 3) ?? "–"})`,
      );
  }
  const variants = Object.keys(okPages);
  if (variants.length) {
    const names = Object.keys(okPages[variants[0]!]!.ratios);
    out.push(
      `\n## Ratios (req/s: geometric mean of per-round ratios with its 95 % interval; Δ = extra server ms per request)`,
    );
    out.push(
      table(
        ["ratio", ...variants.flatMap((v) => [`${v} req/s`, `${v} 95 % interval`, `${v} Δ ms`, `${v} p50/p99 ratio`])],
        names.map((name) => [
          name,
          ...variants.flatMap((v) => {
            const r = okPages[v]!.ratios[name];
            return r
              ? [
                  fmt(r.interval95?.estimate ?? r.reqPerSecRatio, 3),
                  intervalText(r.interval95),
                  fmt(r.extraServerMsPerRequest, 3),
                  `${fmt(r.p50Ratio, 2)} / ${fmt(r.p99Ratio, 2)}`,
                ]
              : [null, null, null, null];
          }),
        ]),
      ),
    );
    const edge = okPages.edge;
    const node = okPages.node;
    if (edge && node) {
      out.push(`\n## Edge vs Node (node req/s ÷ edge req/s, same page)`);
      out.push(
        table(
          ["endpoint", "edge req/s", "node req/s", "node/edge"],
          Object.keys(edge.endpoints).map((k) => {
            const e = edge.endpoints[k]!;
            const n = node.endpoints[k];
            return [
              e.path,
              fmt(e.reqPerSec),
              fmt(n?.reqPerSec),
              n?.reqPerSec && e.reqPerSec ? fmt(n.reqPerSec / e.reqPerSec, 3) : null,
            ];
          }),
        ),
      );
    }
  }

  if (results.api) {
    if (failed(results.api)) out.push(`\n## API: FAILED — ${results.api.error}`);
    else {
      const r = results.api.ratios["me/health"];
      out.push(
        `\n## API, edge variant — /api/me ÷ /api/health: req/s ${fmt(r?.interval95?.estimate ?? r?.reqPerSecRatio, 3)} ${intervalText(r?.interval95 ?? null)}, p50 ${fmt(r?.p50Ratio, 2)}, p99 ${fmt(r?.p99Ratio, 2)}, Δ ${fmt(r?.extraServerMsPerRequest, 3)} ms`,
      );
      out.push(endpointTable(results.api.endpoints));
    }
  }

  if (results.refresh) {
    out.push(
      `\n## Refresh rotation (each client its own session and chain; ${S.refresh.rounds} × ${S.refresh.seconds} s per kind, alternating)`,
    );
    const rows: Cell[][] = [];
    for (const [db, section] of Object.entries(results.refresh)) {
      if ("skipped" in section || "error" in section) {
        const why = "skipped" in section ? `skipped: ${section.skipped}` : `FAILED: ${section.error}`;
        rows.push([db, null, why, null, null, null, null, null, null, null, null]);
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
    for (const [db, section] of Object.entries(results.refresh)) {
      if (!("levels" in section)) continue;
      const c = section.check;
      if (c)
        out.push(
          `${db}: ${c.sessions} sessions, ${c.sessionsWithExactlyOneCurrentToken} with exactly one current token, ${c.revokedSessions} revoked, ${c.refreshTokenRows} token rows → ${c.ok ? "OK" : "NOT OK"}`,
        );
      const target = section.target;
      if (target) {
        const verdict = target.met === null ? "n/a (no such level in this mode)" : target.met ? "met" : "NOT met";
        out.push(
          `target refresh/health ≥ ${target.min} at c=${target.concurrency} on ${db}: ${target.value ?? "–"} → ${verdict}`,
        );
      }
    }
  }

  if (results.login) {
    if (failed(results.login)) out.push(`\n## Login: FAILED — ${results.login.error}`);
    else {
      const l = results.login;
      out.push(
        `\n## Sign-in at BCRYPT_COST=${l.bcryptCost}, password workers ${l.passwordWorkers}, server not pinned (one bcryptjs compare = ${fmt(l.hashMs.median, 1)} ms, timed after each round: ${l.hashMs.perRound.map((ms) => fmt(ms, 0)).join(" ")})`,
      );
      const x = l.signIns;
      out.push(
        table(
          [
            "c",
            "sign-ins/s",
            "per round",
            "p50 ms",
            "p99 ms",
            "errors",
            "one-thread bound (before the pool)",
            `${m.cores} cores bound`,
          ],
          [
            [
              x.concurrency,
              fmt(x.perSecond, 2),
              x.rounds.map((r) => fmt(r.okPerSecond, 2)).join(" "),
              fmt(x.p50Ms, 1),
              fmt(x.p99Ms, 1),
              x.errors,
              fmt(l.boundOneCore, 2),
              fmt(l.boundAllCores, 2),
            ],
          ],
        ),
      );
      const b = l.burst;
      out.push(
        `\nRefresh p99 (c=${b.refreshConcurrency}) alone vs during ${b.burst} concurrent sign-ins, ${b.rounds.length} interleaved pairs (stopped: ${b.stoppedBecause}):`,
      );
      out.push(
        table(
          ["pair", "p99 alone ms", "p99 in burst ms", "ratio", "sign-ins/s in burst", "sign-in statuses"],
          b.rounds.map((r, i) => [
            i + 1,
            fmt(r.idleP99Ms, 1),
            fmt(r.burstP99Ms, 1),
            fmt(r.ratio, 2),
            fmt(r.burstLogins?.perSecond, 2),
            r.burstLogins ? JSON.stringify(r.burstLogins.statusCounts) : null,
          ]),
        ),
      );
      for (const t of [l.signInTarget, l.burstTarget]) if (t) out.push(targetLine(t));
    }
  }

  if (results.verify) {
    if (failed(results.verify)) out.push(`\n## Verification micro-benchmark: FAILED — ${results.verify.error}`);
    else {
      out.push(`\n## Access-token verification, in-process (µs per call, median of ${S.verify.rounds} rounds)`);
      const base = results.verify.verification[0]?.microseconds ?? 1;
      out.push(
        table(
          ["method", "µs", "× verifyAccessToken"],
          results.verify.verification.map((v) => [v.name, fmt(v.microseconds, 2), fmt(v.microseconds / base, 2)]),
        ),
      );
    }
  }

  if (results.middlewareCost) {
    const c = results.middlewareCost;
    if (failed(c)) out.push(`\n## Middleware steps in-process: FAILED — ${c.error}`);
    else {
      out.push(
        `\n## Middleware steps, in-process without the edge sandbox (µs per call, median of ${S.verify.rounds} rounds)`,
      );
      out.push(
        table(
          ["step", "µs"],
          c.middlewareCost.map((x) => [x.name, fmt(x.microseconds, 2)]),
        ),
      );
    }
  }

  if (results.dbPath) {
    if (failed(results.dbPath)) out.push(`\n## Refresh path without HTTP: FAILED — ${results.dbPath.error}`);
    else {
      const d = results.dbPath;
      const c = d.appConnection;
      out.push(
        `\n## Refresh path without HTTP (in-process, ${d.iterations} iterations; the app's SQLite connection: journal_mode=${c.journalMode}, synchronous=${c.synchronous})`,
      );
      const rows: Array<[string, { wallMs: number; cpuMs: number }]> = [
        ["one rotation (what POST /api/auth/refresh runs for a current token)", d.rotation.refresh],
        ["SELECT 1 through Prisma (what /api/health runs)", d.rotation.select1],
        ...d.commit.map((x): [string, { wallMs: number; cpuMs: number }] => [
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
    }
  }

  if (results.memory) {
    const mem = results.memory;
    out.push(`\n## Memory and rows`);
    const rows: Cell[][] = [];
    for (const [k, v] of Object.entries(mem.rssMiB))
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
      rows.push(["SQLite file after the refresh run", `${fmt((mem.rows.fileBytes ?? 0) / 1024, 0)} KiB`]);
    }
    out.push(table(["measurement", "value"], rows));
  }

  if (results.profile) {
    const p = results.profile;
    if (failed(p)) out.push(`\n## CPU profile: FAILED — ${p.error}`);
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
