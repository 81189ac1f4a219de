// postinstall: generates the Prisma clients into lib/generated/ (never committed): one
// for SQLite from prisma/schema.prisma, one for PostgreSQL from the same models. Prisma
// builds a client per provider (each carries its own query compiler), so the
// PostgreSQL schema is derived (prisma/schema-variants.mjs) and written beside them.
// `prisma generate` does not use the native schema engine, but the CLI tries to
// download it first, which fails on machines without access to Prisma's binaries;
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that download.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { postgresSchema } from "../prisma/schema-variants.mjs";

const hasNativeEngine = readdirSync("node_modules/@prisma/engines").some((f) => f.startsWith("schema-engine"));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!hasNativeEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

const postgres = postgresSchema(readFileSync("prisma/schema.prisma", "utf8"));
mkdirSync("lib/generated", { recursive: true });
writeFileSync(
  "lib/generated/schema.postgresql.prisma",
  `// Derived from prisma/schema.prisma by scripts/generate.mjs. Do not edit.\n${postgres}`,
);

for (const file of ["prisma/schema.prisma", "lib/generated/schema.postgresql.prisma"]) {
  execFileSync("npx", ["prisma", "generate", "--schema", file], { stdio: "inherit", env });
}
