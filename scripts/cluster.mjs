// `npm run start:cluster -- N`: N instances of the production server on consecutive
// ports from PORT (default 3000), sharing DATABASE_URL, AUTH_SECRET and APP_URL, as
// they would behind a load balancer. Migrations are applied once, before any starts.
// Needs `npm run build` first. Ctrl-C stops them all.
import { execFileSync, spawn } from "node:child_process";
import nextEnv from "@next/env";

nextEnv.loadEnvConfig(process.cwd(), false);
const count = Number(process.argv[2] ?? 2);
const firstPort = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(count) || count < 1) throw new Error("usage: npm run start:cluster -- <instances>");
if (!process.env.AUTH_SECRET)
  throw new Error("set AUTH_SECRET: every instance must sign and verify with the same secret");
if (!process.env.DATABASE_URL?.startsWith("postgres")) {
  console.warn("DATABASE_URL is not PostgreSQL: instances on separate machines cannot share a SQLite file.");
}
if (!process.env.APP_URL) console.warn("APP_URL is not set: it must be the load balancer's public origin.");

execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "prisma/migrate.ts"], { stdio: "inherit" });

const instances = Array.from({ length: count }, (_, i) => {
  const port = String(firstPort + i);
  const child = spawn(process.execPath, ["server.mjs", "-p", port, "-H", process.env.HOSTNAME ?? "127.0.0.1"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  child.on("exit", (code, signal) => console.log(`instance on port ${port} exited (${signal ?? code})`));
  return child;
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of instances) child.kill(signal);
    process.exit(0);
  });
}
