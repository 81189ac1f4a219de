// The refresh / login load generator of `npm run bench`, run as its own process (pinned
// to the load core by bench/run.ts). autocannon cannot do this part: every virtual
// client owns one session and must follow its own rotation chain, taking the next
// refresh token from the previous response's Set-Cookie.
//
// Usage: node bench/load.mjs '<json config>'   (prints one JSON object on stdout)
// config: {
//   origin: "http://127.0.0.1:PORT", email, password, concurrency,
//   refreshCookie: "refresh_token",
//   phases: [{ kind: "refresh" | "health" | "login", seconds, record: boolean, burst?: number,
//              bound?: { cost, samples } }]
//   (burst: that many more clients sign in over and over while the phase runs;
//    bound: then time `samples` bcryptjs compares at `cost` here, see timeBound)
// }
// Plain node:http with a keep-alive agent: it costs the load core less per request than
// fetch on Node 20, so the server stays the bottleneck.
import { readFileSync } from "node:fs";
import http from "node:http";

const config = JSON.parse(process.argv[2] ?? "{}");
const { origin, email, password, concurrency, phases } = config;
const refreshCookie = config.refreshCookie ?? "refresh_token";
const target = new URL(origin);
// CPU seconds the server process has used so far (utime + stime from /proc), to tell
// a server busy computing from one waiting on the disk or a lock.
const clockTicks = config.clockTicks ?? 100;
// Busy and total seconds of the server's core (config.serverCore, when it is pinned), to
// tell how much of it other processes on this machine took.
function coreSeconds() {
  if (config.serverCore === undefined || config.serverCore === null) return null;
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`cpu${config.serverCore} `));
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: (total - f[3] - f[4]) / clockTicks, total: total / clockTicks };
  } catch {
    return null;
  }
}

function serverCpuSeconds() {
  if (!config.serverPid) return null;
  try {
    const stat = readFileSync(`/proc/${config.serverPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

// One socket per client, burst clients included: a shared, too small pool would make the
// refresh clients queue behind the sign-ins inside this process.
const burstClients = Math.max(0, ...phases.map((p) => p.burst ?? 0));
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, concurrency) + burstClients + 2 });

function send(method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...headers, "content-length": payload ? payload.length : 0 },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on("error", reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error("timeout after 30 s")));
    request.on("error", reject);
    request.end(payload);
  });
}

function cookieValue(headers, name) {
  for (const line of headers["set-cookie"] ?? []) {
    if (line.startsWith(`${name}=`)) return line.slice(name.length + 1).split(";")[0];
  }
  return undefined;
}

const loginBody = JSON.stringify({ email, password });
const loginHeaders = { "content-type": "application/json", origin, "user-agent": "bench/load" };

async function login() {
  const response = await send("POST", "/api/auth/login", loginHeaders, loginBody);
  const token = response.status === 200 ? cookieValue(response.headers, refreshCookie) : undefined;
  if (!token) throw new Error(`login failed: HTTP ${response.status} ${response.body.slice(0, 200)}`);
  return token;
}

function newStats() {
  return {
    ops: 0,
    errors: 0,
    statusCounts: {},
    errorSamples: [],
    latenciesMs: [],
    seconds: 0,
    cpuSeconds: 0,
    coreBusySeconds: 0,
    coreTotalSeconds: 0,
    rounds: [],
  };
}

const stats = { refresh: newStats(), health: newStats(), login: newStats() };
let relogins = 0;

function noteError(s, what) {
  s.errors += 1;
  if (s.errorSamples.length < 5) s.errorSamples.push(what);
}

// One virtual client: its own session, its own chain of refresh tokens.
class Client {
  constructor(token) {
    this.token = token;
  }

  async step(kind, record) {
    const s = stats[kind];
    const started = process.hrtime.bigint();
    let ok = false;
    let status = "network";
    try {
      if (kind === "refresh") {
        const response = await send("POST", "/api/auth/refresh", {
          cookie: `${refreshCookie}=${this.token}`,
          origin,
          "user-agent": "bench/load",
        });
        status = response.status;
        const next = cookieValue(response.headers, refreshCookie);
        ok = status === 200 && Boolean(next);
        if (ok) this.token = next;
        else if (record) noteError(s, `HTTP ${status}: ${response.body.slice(0, 160)}`);
      } else if (kind === "health") {
        const response = await send("GET", "/api/health", { "user-agent": "bench/load" });
        status = response.status;
        ok = status === 200;
        if (!ok && record) noteError(s, `HTTP ${status}: ${response.body.slice(0, 160)}`);
      } else {
        const response = await send("POST", "/api/auth/login", loginHeaders, loginBody);
        status = response.status;
        ok = status === 200;
        if (!ok && record) noteError(s, `HTTP ${status}: ${response.body.slice(0, 160)}`);
      }
    } catch (error) {
      if (record) noteError(s, String(error?.message ?? error));
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (record) {
      s.ops += 1;
      s.statusCounts[status] = (s.statusCounts[status] ?? 0) + 1;
      if (ok) s.latenciesMs.push(elapsedMs);
    }
    // A broken chain (should not happen) is replaced by a new session so the run goes on.
    if (!ok && kind === "refresh") {
      relogins += 1;
      this.token = await login().catch(() => this.token);
    }
    return ok;
  }
}

async function runPhase(clients, phase) {
  const s = stats[phase.kind];
  const okBefore = s.ops - s.errors;
  const cpuBefore = serverCpuSeconds();
  const coreBefore = coreSeconds();
  const started = performance.now();
  const deadline = started + phase.seconds * 1000;
  // A burst: extra clients that sign in over and over meanwhile (recorded as "login").
  const burst = Array.from({ length: phase.burst ?? 0 }, () => new Client(undefined));
  const loginOkBefore = stats.login.ops - stats.login.errors;
  const burstDone = Promise.all(
    burst.map(async (client) => {
      while (performance.now() < deadline) await client.step("login", phase.record);
    }),
  );
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) await client.step(phase.kind, phase.record);
    }),
  );
  // This kind's own time: queued sign-ins of a burst may take long after the deadline.
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = serverCpuSeconds();
  const coreAfter = coreSeconds();
  await burstDone;
  const burstSeconds = (performance.now() - started) / 1000;
  if (phase.record) {
    s.seconds += seconds;
    if (cpuBefore !== null && cpuAfter !== null) s.cpuSeconds += cpuAfter - cpuBefore;
    if (coreBefore && coreAfter) {
      s.coreBusySeconds += coreAfter.busy - coreBefore.busy;
      s.coreTotalSeconds += coreAfter.total - coreBefore.total;
    }
    s.rounds.push({ seconds, okPerSecond: (s.ops - s.errors - okBefore) / seconds });
    if (burst.length > 0) {
      stats.login.seconds += burstSeconds;
      stats.login.rounds.push({
        seconds: burstSeconds,
        okPerSecond: (stats.login.ops - stats.login.errors - loginOkBefore) / burstSeconds,
      });
    }
  }
}

// The sign-in bound of the round just run: one bcryptjs compare at the server's cost,
// timed on this process's core while the server is idle. Timed after every round rather
// than once elsewhere, so that the bound's own noise (349-410 ms within one run on
// 2026-12-06) enters each round's ratio and its interval.
const boundsMs = [];
let boundHash;
async function timeBound({ cost, samples }) {
  const { default: bcrypt } = await import("bcryptjs");
  // The first hash also warms the code up before anything is timed.
  boundHash ??= await bcrypt.hash("bench-bound-password", cost);
  const ms = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await bcrypt.compare("bench-bound-password", boundHash);
    ms.push(Math.round((performance.now() - started) * 1000) / 1000);
  }
  boundsMs.push(ms);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function summary(s) {
  const sorted = Float64Array.from(s.latenciesMs).sort();
  const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    ops: s.ops,
    ok: s.ops - s.errors,
    errors: s.errors,
    statusCounts: s.statusCounts,
    errorSamples: s.errorSamples,
    seconds: round3(s.seconds),
    perSecond: s.seconds > 0 ? round3((s.ops - s.errors) / s.seconds) : null,
    // Share of one core the server process used while this kind of request ran.
    serverCpuShare: config.serverPid && s.seconds > 0 ? round3(s.cpuSeconds / s.seconds) : null,
    serverCpuMsPerOp: config.serverPid && s.ops > 0 ? round3((s.cpuSeconds * 1000) / s.ops) : null,
    // Share of the server's core that other processes took meanwhile.
    serverCoreForeign:
      s.coreTotalSeconds > 0 ? round3(Math.max(0, (s.coreBusySeconds - s.cpuSeconds) / s.coreTotalSeconds)) : null,
    rounds: s.rounds.map((r) => ({ seconds: round3(r.seconds), okPerSecond: round3(r.okPerSecond) })),
    latencyMs: {
      mean: round3(mean),
      p50: round3(percentile(sorted, 50)),
      p90: round3(percentile(sorted, 90)),
      p99: round3(percentile(sorted, 99)),
      max: round3(sorted.length ? sorted[sorted.length - 1] : null),
    },
  };
}

const setupStarted = performance.now();
const needsSessions = phases.some((p) => p.kind === "refresh");
const clients = [];
if (needsSessions) {
  // Logging in as one user N times gives N independent sessions (rotation chains).
  for (let i = 0; i < concurrency; i += 8) {
    const batch = Math.min(8, concurrency - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => login()))).map((t) => new Client(t)));
  }
} else {
  for (let i = 0; i < concurrency; i += 1) clients.push(new Client(undefined));
}
const setupSeconds = (performance.now() - setupStarted) / 1000;

for (const phase of phases) {
  await runPhase(clients, phase);
  if (phase.bound) await timeBound(phase.bound);
}
agent.destroy();

const kinds = [...new Set(phases.filter((p) => p.record).flatMap((p) => (p.burst ? [p.kind, "login"] : [p.kind])))];
process.stdout.write(
  `${JSON.stringify({
    concurrency,
    sessions: needsSessions ? clients.length : 0,
    setupSeconds: Math.round(setupSeconds * 1000) / 1000,
    relogins,
    boundsMs,
    results: Object.fromEntries(kinds.map((k) => [k, summary(stats[k])])),
  })}\n`,
);
