// Starts every server of the browser tests at once (Playwright starts the servers of its
// `webServer` list one after another), and answers on E2E_READY_PORT once all of them
// are healthy. The database is migrated and seeded once, into a template that each
// server copies (scripts/e2e-server.mjs).
//
// E2E_SERVERS: JSON list of { port, scheme, env } (playwright.config.ts writes it).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";

const servers = JSON.parse(process.env.E2E_SERVERS ?? "[]");
const readyPort = Number(process.env.E2E_READY_PORT);
if (!servers.length || !readyPort) throw new Error("E2E_SERVERS and E2E_READY_PORT must be set");

const template = path.resolve(".tmp", `e2e-template-${readyPort}`);
rmSync(template, { recursive: true, force: true });
mkdirSync(template, { recursive: true });
const templateDb = path.join(template, "app.db");
const setupEnv = { ...process.env, DATABASE_URL: `file:${templateDb}`, NEXT_TELEMETRY_DISABLED: "1" };
const tsx = ["node_modules/.bin/tsx", "--conditions=react-server"];
execFileSync(tsx[0], [tsx[1], "prisma/migrate.ts"], { stdio: "inherit", env: setupEnv });
execFileSync(tsx[0], [tsx[1], "prisma/seed.ts"], { stdio: "inherit", env: setupEnv });

const APP_URLS = new Map(servers.map(({ port, env }) => [port, env.APP_URL]));
const children = servers.map(({ port, env }) =>
  spawn(process.execPath, ["scripts/e2e-server.mjs", String(port)], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ...env, E2E_TEMPLATE_DB: templateDb },
  }),
);

let stopping = false;
const stop = (code) => {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  rmSync(template, { recursive: true, force: true });
  setTimeout(() => process.exit(code), 2_000).unref();
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(0));
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`an e2e server exited early (code ${code})`);
      stop(1);
    }
  });
}

/**
 * One request; resolves to its status and the cookies it set, or status 0 when the server
 * does not answer (yet). A self-signed certificate is expected on the https servers.
 */
function send({ port, scheme }, path, { method = "GET", body, cookie, timeout = 5_000 } = {}) {
  return new Promise((resolve) => {
    const headers = {
      ...(cookie ? { cookie } : {}),
      ...(body ? { "content-type": "application/json", origin: new URL(APP_URLS.get(port)).origin } : {}),
    };
    const request = (scheme === "https" ? https : http).request(
      { host: "127.0.0.1", port, path, method, headers, rejectUnauthorized: false, timeout },
      (response) => {
        response.resume();
        const cookies = (response.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
        resolve({ status: response.statusCode ?? 0, cookies });
      },
    );
    request.on("error", () => resolve({ status: 0, cookies: "" }));
    request.on("timeout", () => request.destroy());
    request.end(body ? JSON.stringify(body) : undefined);
  });
}
const get = async (server, path, timeout) => (await send(server, path, { timeout })).status;

/**
 * A signed-in visit of the dashboard, as a throwaway account of its own (no test reads
 * it): the first signed-in render loads the page's code and its queries, which on a busy
 * machine took longer than a test waits for its heading (the first DBSC spec, each on a
 * fresh server, failed so once in CI).
 */
async function signedInVisit(server) {
  const account = { email: `warm-up-${server.port}@example.com`, password: "warm-up password 1" };
  const { status, cookies } = await send(server, "/api/auth/register", {
    method: "POST",
    body: account,
    timeout: 60_000,
  });
  if (status !== 201) throw new Error(`warm-up sign-up on port ${server.port}: ${status}`);
  await get(server, "/dashboard", 60_000);
  const dashboard = await send(server, "/dashboard", { cookie: cookies, timeout: 60_000 });
  if (dashboard.status !== 200) throw new Error(`warm-up dashboard on port ${server.port}: ${dashboard.status}`);
  await send(server, "/api/auth/logout", { method: "POST", body: {}, cookie: cookies, timeout: 60_000 });
}

const waiting = new Set(servers);
while (waiting.size) {
  for (const server of [...waiting]) if ((await get(server, "/api/health")) === 200) waiting.delete(server);
  if (waiting.size) await new Promise((r) => setTimeout(r, 250));
}
// A server loads its middleware and each page's code on first use, which on a busy
// machine can take longer than a test waits for a page: read-only requests load them
// before the first test comes.
await Promise.all(
  servers.map(async (server) => {
    for (const path of ["/login", "/api/me", "/"]) await get(server, path, 60_000);
    await signedInVisit(server);
  }),
);
http.createServer((_request, response) => response.end("ready")).listen(readyPort, "127.0.0.1");
