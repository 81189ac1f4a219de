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

/** One GET; resolves to its status, or 0 when the server does not answer (yet). A
 * self-signed certificate is expected on the https servers. */
function get({ port, scheme }, path, timeout = 5_000) {
  return new Promise((resolve) => {
    const request = (scheme === "https" ? https : http).get(
      { host: "127.0.0.1", port, path, rejectUnauthorized: false, timeout },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", () => resolve(0));
    request.on("timeout", () => request.destroy());
  });
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
    for (const path of ["/login", "/dashboard", "/api/me", "/"]) await get(server, path, 60_000);
  }),
);
http.createServer((_request, response) => response.end("ready")).listen(readyPort, "127.0.0.1");
