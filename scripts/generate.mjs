// postinstall: generates the Prisma client (lib/generated/prisma, never committed).
// `prisma generate` does not use the native schema engine, but the CLI tries to
// download it first, which fails on machines without access to Prisma's binaries.
// Pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that download.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const engineDir = "node_modules/@prisma/engines";
const hasNativeEngine = readdirSync(engineDir).some((f) => f.startsWith("schema-engine"));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!hasNativeEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

execFileSync("npx", ["prisma", "generate"], { stdio: "inherit", env });
