// The browser tests' server: a fresh SQLite database with the demo user, then the
// production server (playwright.config.ts has made the build). With E2E_TEMPLATE_DB
// (scripts/e2e-servers.mjs) the database is a copy of that migrated, seeded file.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const port = process.argv[2];
if (!port) throw new Error("usage: node scripts/e2e-server.mjs <port>");

const dir = path.resolve(".tmp", `e2e-${port}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const env = { ...process.env, DATABASE_URL: `file:${path.join(dir, "app.db")}`, NEXT_TELEMETRY_DISABLED: "1" };
const tsx = ["node_modules/.bin/tsx", "--conditions=react-server"];

if (process.env.E2E_TEMPLATE_DB) {
  copyFileSync(process.env.E2E_TEMPLATE_DB, path.join(dir, "app.db"));
} else {
  execFileSync(tsx[0], [tsx[1], "prisma/migrate.ts"], { stdio: "inherit", env });
  execFileSync(tsx[0], [tsx[1], "prisma/seed.ts"], { stdio: "inherit", env });
}

const server = spawn(process.execPath, ["server.mjs", "-p", port, "-H", "127.0.0.1"], {
  stdio: "inherit",
  env: { ...env, NODE_ENV: "production" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 0);
});
