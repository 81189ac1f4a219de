// The real production server (server.mjs: `next start` plus the socket address) on a
// free loopback port, with its own fresh database unless it is given one to share.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { makeDevCertificate } from "../../scripts/dev-cert.mjs";
import { createTestDatabase, type TestDatabase } from "./database";
import { freePort } from "./free-port";

export { freePort };

export type TestServer = {
  url: string;
  origin: string;
  db: TestDatabase["db"];
  logs(): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Sends a signal (SIGKILL: as a crash or an OOM kill would; SIGTERM: a graceful stop)
   * and resolves with how the process exited.
   */
  kill(signal: NodeJS.Signals): Promise<ProcessExit>;
};

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null };

export const TEST_AUTH_SECRET = "http-test-secret-0123456789abcdef0123456789abcdef";

async function waitForHealth(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited early:\n${logs()}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not become healthy:\n${logs()}`);
}

/**
 * Lets this file's requests (and the servers it starts) accept the development
 * certificate, as the browser does through its SPKI pin, for this file only: the http
 * project's files share a process, so the setting is restored when the file ends. Call it
 * before the hook that starts an HTTPS server.
 */
export function trustDevelopmentCertificate(): void {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  beforeAll(() => {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  });
}

export async function startServer(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; https?: boolean } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const port = await freePort();
  const origin = `${options.https ? "https" : "http"}://127.0.0.1:${port}`;
  // The development certificate (scripts/dev-cert.mjs); the caller must trust it.
  const tls = options.https ? makeDevCertificate(".tmp/tls") : null;
  let output = "";
  let child: ChildProcess;

  const launch = async () => {
    child = spawn(process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        AUTH_SECRET: TEST_AUTH_SECRET,
        DATABASE_URL: database.url,
        APP_URL: origin,
        BCRYPT_COST: "4",
        // The suite keeps both cores full, and below the request thread's priority every
        // sign-in's hash would wait behind all of it (lib/auth/password-pool.ts).
        PASSWORD_WORKER_NICE: "0",
        ...(tls ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile } : {}),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitForHealth(origin, child, () => output);
  };

  const kill = async (signal: NodeJS.Signals): Promise<ProcessExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    const exited = new Promise<ProcessExit>((r) => child.once("exit", (code, sig) => r({ code, signal: sig })));
    child.kill(signal);
    return exited;
  };

  await launch();
  return {
    url: origin,
    origin,
    db: database.db,
    logs: () => output,
    kill,
    restart: async () => {
      await kill("SIGTERM");
      await launch();
    },
    stop: async () => {
      await kill("SIGTERM");
      if (!options.database) await database.cleanup();
    },
  };
}
