// Environment, databases and `node server.mjs` processes for the bench builds.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { DEMO_USER as DEMO } from "../../prisma/demo-user";
import { freePort } from "../../tests/support/free-port";
import { appEnv, NEXTAUTH_SECRET } from "./env";
import type { Build } from "./variants";
import {
  errorMessage,
  isStopping,
  onCleanup,
  PINNING,
  pinned,
  run,
  SERVER_CORE,
  tail,
  temp,
  track,
  untrack,
} from "./processes";
import { round } from "./stats";

export function tsx(dir: string): string {
  return path.join(dir, "node_modules/.bin/tsx");
}

export async function prepareDatabase(buildDir: string, databaseUrl: string, bcryptCost: number): Promise<void> {
  const env = appEnv({ DATABASE_URL: databaseUrl, BCRYPT_COST: String(bcryptCost) });
  for (const script of ["migrate", "seed"]) {
    await run(tsx(buildDir), ["--conditions=react-server", `prisma/${script}.ts`], {
      cwd: buildDir,
      env,
      label: script,
      timeoutMs: 120_000,
    });
  }
}

export type Server = {
  name: string;
  origin: string;
  pinned: boolean;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
  logs(): string;
  rssMiB(): number | null;
};

type ServerOptions = {
  databaseUrl: string;
  bcryptCost?: number;
  cpuProfDir?: string;
  healthTimeoutMs?: number;
  pin?: boolean;
  /** More of the app's environment, e.g. METRICS_TOKEN for the soak. */
  env?: Record<string, string>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// `process.exit` on SIGTERM, so that --cpu-prof writes its profile when the server stops.
const EXIT_ON_SIGTERM = 'data:text/javascript,process.once("SIGTERM",()=>process.exit(0))';

export async function startServer(
  name: string,
  build: Build,
  { databaseUrl, bcryptCost = 4, cpuProfDir, healthTimeoutMs = 60_000, pin = true, env = {} }: ServerOptions,
): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const nodeArgs = [
    ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, "--import", EXIT_ON_SIGTERM] : []),
    "server.mjs",
    "-p",
    String(port),
    "-H",
    "127.0.0.1",
  ];
  const [command, args] = pin ? pinned(SERVER_CORE, process.execPath, nodeArgs) : [process.execPath, nodeArgs];
  const logFile = temp(`server-${name}.log`);
  const fd = fs.openSync(logFile, "w");
  if (isStopping()) throw new Error("stopping");
  const child = spawn(command, args, {
    cwd: build.dir,
    env: appEnv({
      DATABASE_URL: databaseUrl,
      APP_URL: origin,
      NEXTAUTH_URL: origin,
      BCRYPT_COST: String(bcryptCost),
      ...env,
    }),
    stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`server ${name} did not start`);
  track(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    untrack(child);
  };
  onCleanup(stop);
  const pid = child.pid;
  const server: Server = {
    name,
    origin,
    pinned: pin && PINNING.pinned,
    pid,
    logFile,
    stop,
    logs: () => fs.readFileSync(logFile, "utf8"),
    rssMiB() {
      // taskset execs node, so the child's pid is the server.mjs process itself.
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024, 1);
    },
  };

  const deadline = Date.now() + healthTimeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server ${name} exited early:\n${tail(server.logs())}`);
    try {
      const response = await fetch(`${origin}/api/health`);
      if (response.ok) return server;
      last = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      last = code ?? errorMessage(error);
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`server ${name} did not become healthy (${last}):\n${tail(server.logs())}`);
}

/** The app's access cookie from a real sign-in of the demo user. */
export async function loginCookie(server: Server): Promise<string> {
  const response = await fetch(`${server.origin}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin },
    body: JSON.stringify(DEMO),
  });
  if (response.status !== 200) throw new Error(`login failed: HTTP ${response.status} ${await response.text()}`);
  const access = response.headers.getSetCookie().find((c) => c.startsWith("access_token="));
  if (!access) throw new Error("login set no access_token cookie");
  return access.split(";")[0]!;
}

/**
 * Auth.js's session cookie (a JWE, as its JWT session strategy issues it after a
 * sign-in), made with next-auth/jwt and the server's NEXTAUTH_SECRET.
 */
export async function authjsCookie(): Promise<string> {
  const token = await encode({
    token: { sub: "bench-user", email: DEMO.email, name: "Bench" },
    secret: NEXTAUTH_SECRET,
    maxAge: 3600,
  });
  // Over plain http Auth.js uses the unprefixed cookie name.
  return `next-auth.session-token=${token}`;
}

export { DEMO };
