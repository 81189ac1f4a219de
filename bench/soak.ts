// `npm run bench:soak`: does the server leak? Ten minutes (SOAK_MINUTES) of mixed
// traffic at a fixed rate (SOAK_RATE requests a second) against the production build on
// SQLite, sampling the server's RSS and V8 heap every minute and each minute's latency.
// Separate from `npm run bench`, which must stay under ten minutes.
//
// Open loop: requests start on a schedule, not when the previous one answered, so a
// server that slows down gets a queue (and a rising p99), as it would in production.
// The traffic is what users and clients do (weights in MIX): sign in, navigate through
// the refresh route, call the API, refresh at the token endpoint, run the code flow.
// Each virtual user follows its own rotation chain, so reuse detection is never tripped.
//
// Verdicts: memory is flat when the least-squares slopes of the heap's and RSS's low points
// (of a dozen samples a minute) over the minutes after the first (warm-up) are under
// FLAT_HEAP_MIB_PER_MIN and FLAT_RSS_MIB_PER_MIN; latency is stable when the last minute's p99 is within
// STABLE_P99_FACTOR of the second minute's. Results go to bench/soak-results.json.
// SOAK_MINUTE_SECONDS shortens a "minute" to try the soak itself out quickly.
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildIsCurrent } from "../scripts/build-state.mjs";
import { BENCH_DIR, ROOT } from "./harness/options";
import { cleanup, errorMessage, log, stopOnSignals, temp } from "./harness/processes";
import { DEMO, prepareDatabase, startServer, type Server } from "./harness/servers";
import { round } from "./harness/stats";

process.env.NEXT_TELEMETRY_DISABLED = "1";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const MINUTE_MS = Number(process.env.SOAK_MINUTE_SECONDS ?? 60) * 1000;
const USERS = 24;
// Requests in flight beyond this are not started (and counted as shed): a stalled server
// must not make the load generator itself grow without bound.
const MAX_IN_FLIGHT = 256;
const FLAT_HEAP_MIB_PER_MIN = 1;
const FLAT_RSS_MIB_PER_MIN = 2;
const STABLE_P99_FACTOR = 2;
const METRICS_TOKEN = randomBytes(24).toString("base64url");
const REDIRECT_URI = "http://127.0.0.1:8765/callback";
const OUT = path.join(BENCH_DIR, "soak-results.json");

// Out of every 20 requests (at 40/s: a sign-in a second, a token grant every two seconds).
const MIX = { api: 10, navigate: 5, signIn: 2, tokenRefresh: 2, codeFlow: 1 } as const;
type Kind = keyof typeof MIX;
const SCHEDULE: Kind[] = (Object.keys(MIX) as Kind[]).flatMap((kind) => Array<Kind>(MIX[kind]).fill(kind));

/** One virtual user: a browser's cookies, and a token-API client's refresh token. */
type User = { access: string; refresh: string; apiRefresh: string | null; busy: boolean };

type Minute = { latenciesMs: number[]; byStatus: Record<string, number>; shed: number; skipped: number };
const newMinute = (): Minute => ({ latenciesMs: [], byStatus: {}, shed: 0, skipped: 0 });

function cookieValue(response: Response, name: string): string | null {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).split(";")[0]! : null;
}

class Traffic {
  readonly users: User[] = [];
  minute = newMinute();
  inFlight = 0;

  constructor(private readonly origin: string) {}

  async signIn(): Promise<{ response: Response; user: User | null }> {
    const response = await fetch(`${this.origin}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.origin },
      body: JSON.stringify(DEMO),
    });
    const access = cookieValue(response, "access_token");
    const refresh = cookieValue(response, "refresh_token");
    await response.arrayBuffer();
    return { response, user: access && refresh ? { access, refresh, apiRefresh: null, busy: false } : null };
  }

  /** Code + PKCE for one user: consent, code, token; its refresh token is the user's API one. */
  async codeFlow(user: User): Promise<Response> {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const consent = await fetch(`${this.origin}/api/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: this.origin,
        cookie: `access_token=${user.access}`,
      },
      body: new URLSearchParams({
        client_id: "demo-cli",
        redirect_uri: REDIRECT_URI,
        response_type: "code",
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "soak",
        decision: "approve",
      }),
    });
    await consent.arrayBuffer();
    const code = new URL(consent.headers.get("location") ?? "", this.origin).searchParams.get("code");
    if (!code) return consent;
    const token = await this.token({
      grant_type: "authorization_code",
      client_id: "demo-cli",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    });
    return this.keepApiRefresh(user, token);
  }

  async tokenRefresh(user: User): Promise<Response> {
    if (!user.apiRefresh) return this.codeFlow(user);
    const token = await this.token({
      grant_type: "refresh_token",
      client_id: "demo-cli",
      refresh_token: user.apiRefresh,
    });
    return this.keepApiRefresh(user, token);
  }

  private token(params: Record<string, string>): Promise<Response> {
    return fetch(`${this.origin}/api/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
  }

  private async keepApiRefresh(user: User, response: Response): Promise<Response> {
    const body = (await response.json().catch(() => ({}))) as { refresh_token?: string };
    user.apiRefresh = body.refresh_token ?? null;
    return response;
  }

  /** A navigation whose access token is spent: the refresh route rotates and redirects. */
  async navigate(user: User): Promise<Response> {
    const response = await fetch(`${this.origin}/api/auth/refresh?next=%2Fdashboard`, {
      redirect: "manual",
      headers: { cookie: `refresh_token=${user.refresh}` },
    });
    await response.arrayBuffer();
    user.access = cookieValue(response, "access_token") ?? user.access;
    user.refresh = cookieValue(response, "refresh_token") ?? user.refresh;
    return response;
  }

  async api(user: User): Promise<Response> {
    const response = await fetch(`${this.origin}/api/me`, { headers: { cookie: `access_token=${user.access}` } });
    await response.arrayBuffer();
    return response;
  }

  /** Starts one request of `kind` now; its latency and status land in the current minute. */
  fire(kind: Kind, tick: number): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.minute.shed++;
      return;
    }
    // A user's chain is sequential: skip a tick rather than race its own rotation.
    const user = this.users[tick % this.users.length]!;
    if (kind !== "signIn" && user.busy) {
      this.minute.skipped++;
      return;
    }
    const minute = this.minute;
    const started = performance.now();
    this.inFlight++;
    if (kind !== "signIn") user.busy = true;
    const request =
      kind === "signIn"
        ? this.signIn().then(({ response, user: fresh }) => {
            // The new session replaces this slot's: sessions are made and abandoned, as in life.
            if (fresh && !user.busy) Object.assign(user, fresh);
            return response;
          })
        : this[kind](user);
    request
      .then((response) => {
        minute.latenciesMs.push(performance.now() - started);
        minute.byStatus[response.status] = (minute.byStatus[response.status] ?? 0) + 1;
      })
      .catch((error: unknown) => {
        minute.byStatus[`error: ${errorMessage(error).slice(0, 60)}`] =
          (minute.byStatus[`error: ${errorMessage(error).slice(0, 60)}`] ?? 0) + 1;
      })
      .finally(() => {
        this.inFlight--;
        if (kind !== "signIn") user.busy = false;
      });
  }
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? null : sxy / sxx;
}

async function heapMiB(server: Server): Promise<number | null> {
  const response = await fetch(`${server.origin}/api/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  const used = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
  return used === undefined ? null : round(Number(used) / 2 ** 20, 1);
}

async function main(): Promise<void> {
  stopOnSignals();
  if (!buildIsCurrent()) {
    log("building (.next is older than the sources)");
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  const databaseUrl = `file:${temp("soak", "app.db")}`;
  await prepareDatabase(ROOT, databaseUrl, 10);
  const build = { variant: "edge" as const, dir: ROOT, seconds: null, gateFile: "", bare: false };
  const server = await startServer("soak", build, {
    databaseUrl,
    bcryptCost: 10,
    env: {
      METRICS_TOKEN,
      // Rotation at every navigation: each virtual user navigates every few seconds.
      ACCESS_TOKEN_TTL_SECONDS: "900",
    },
  });
  const traffic = new Traffic(server.origin);
  for (let i = 0; i < USERS; i++) {
    const { user } = await traffic.signIn();
    if (!user) throw new Error(`sign-in for virtual user ${i} failed:\n${server.logs().slice(-2000)}`);
    traffic.users.push(user);
  }
  log(`soak: ${MINUTES} min at ${RATE} requests/s against ${server.origin} (SQLite, bcrypt cost 10)`);

  const rows: Array<Record<string, number | string | null>> = [];
  const intervalMs = 1000 / RATE;
  const start = performance.now();
  let tick = 0;
  for (let minute = 1; minute <= MINUTES; minute++) {
    const end = start + minute * MINUTE_MS;
    // Low points over the minute: a heap sample right before a collection would count
    // garbage as growth, and RSS swings by a hundred MiB as the allocator returns and
    // takes pages; the lowest of a dozen samples is close to what is live and held.
    let heapLow: number | null = null;
    let rssLow: number | null = null;
    const lower = (low: number | null, sample: number | null) =>
      sample === null ? low : low === null ? sample : Math.min(low, sample);
    const sampler = setInterval(() => {
      rssLow = lower(rssLow, server.rssMiB());
      void heapMiB(server).then((heap) => {
        heapLow = lower(heapLow, heap);
      });
    }, MINUTE_MS / 12);
    // A fixed schedule: the n-th request starts at start + n × interval, whatever answered.
    while (performance.now() < end) {
      traffic.fire(SCHEDULE[tick % SCHEDULE.length]!, tick);
      tick++;
      const next = start + tick * intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    clearInterval(sampler);
    const done = traffic.minute;
    traffic.minute = newMinute();
    const sorted = [...done.latenciesMs].sort((a, b) => a - b);
    const errors = Object.entries(done.byStatus)
      .filter(([status]) => !/^[23]\d\d$/.test(status))
      .reduce((sum, [, count]) => sum + count, 0);
    const row = {
      minute,
      requests: sorted.length,
      "non-2xx/3xx": errors,
      shed: done.shed,
      "p50 ms": round(percentile(sorted, 50), 1),
      "p99 ms": round(percentile(sorted, 99), 1),
      "RSS MiB": server.rssMiB(),
      "RSS MiB (low)": rssLow,
      "heap MiB (low)": heapLow,
    };
    rows.push({ ...row, statuses: JSON.stringify(done.byStatus) });
    log(
      Object.entries(row)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    );
  }
  await server.stop();

  const after = rows.slice(1);
  const line = (key: string) =>
    after.flatMap((r) =>
      typeof r[key] === "number" ? [[Number(r.minute), r[key] as number] as [number, number]] : [],
    );
  const heapSlope = slope(line("heap MiB (low)"));
  const rssSlope = slope(line("RSS MiB (low)"));
  const firstP99 = after[0]?.["p99 ms"];
  const lastP99 = rows.at(-1)?.["p99 ms"];
  const verdicts = {
    memory:
      heapSlope === null || rssSlope === null
        ? "not decidable (fewer than 3 minutes)"
        : heapSlope < FLAT_HEAP_MIB_PER_MIN && rssSlope < FLAT_RSS_MIB_PER_MIN
          ? "flat"
          : "growing",
    p99:
      typeof firstP99 === "number" && typeof lastP99 === "number"
        ? lastP99 <= firstP99 * STABLE_P99_FACTOR
          ? "stable"
          : "rising"
        : "not decidable",
  };
  const results = {
    when: new Date().toISOString(),
    minutes: MINUTES,
    ratePerSecond: RATE,
    mix: MIX,
    slopes: {
      heapMiBPerMinute: round(heapSlope, 3),
      rssMiBPerMinute: round(rssSlope, 3),
      // Not judged, shown: the slope of one RSS sample at each minute's end.
      rssAtMinuteEndMiBPerMinute: round(slope(line("RSS MiB")), 3),
    },
    thresholds: {
      heapMiBPerMinute: FLAT_HEAP_MIB_PER_MIN,
      rssMiBPerMinute: FLAT_RSS_MIB_PER_MIN,
      p99Factor: STABLE_P99_FACTOR,
    },
    verdicts,
    minutesTable: rows,
  };
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  log(`heap slope ${results.slopes.heapMiBPerMinute} MiB/min, RSS slope ${results.slopes.rssMiBPerMinute} MiB/min`);
  log(`memory: ${verdicts.memory}; p99: ${verdicts.p99}. Written to ${path.relative(ROOT, OUT)}`);
  const failedRequests = rows.reduce((sum, r) => sum + Number(r["non-2xx/3xx"]), 0);
  if (failedRequests > 0) {
    log(`${failedRequests} requests answered other than 2xx/3xx (see statuses in the results)`);
    process.exitCode = 1;
  }
}

main()
  .catch((error: unknown) => {
    log(`soak FAILED: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
