// Which driver adapter a DATABASE_URL means. Shared by the app's client and the
// migration runner so both always talk to the same database the same way.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { parseIntoClientConfig } from "pg-connection-string";

export type Provider = "sqlite" | "postgresql";

export function providerOf(databaseUrl: string): Provider {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return "postgresql";
  if (databaseUrl.startsWith("file:")) return "sqlite";
  throw new Error(`DATABASE_URL must start with file: or postgres://, got "${databaseUrl.split(":")[0]}:"`);
}

// Writers wait up to this long for SQLite's lock instead of failing with SQLITE_BUSY
// (the migration runner, the seed and the server may touch the file at once).
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export function createAdapterFactory(databaseUrl: string, poolSize = 10): SqlMigrationAwareDriverAdapterFactory {
  if (providerOf(databaseUrl) === "postgresql") {
    // Discrete fields, not `connectionString`: pg lets a connection string override an
    // explicit `database`, which the adapter sets to reach its shadow database.
    return new PrismaPg({ ...parseIntoClientConfig(databaseUrl), max: poolSize });
  }
  const file = databaseUrl.slice("file:".length);
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return withSqlitePragmas(new PrismaBetterSqlite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }));
}

// Every refresh commits (its rotation, and the rate-limit counter). In SQLite's default
// rollback-journal mode with synchronous=FULL each commit waits for several fsyncs
// (~1.1 ms here, the largest single cost of a refresh); in WAL mode with synchronous=
// NORMAL a commit is an append (~0.01 ms), readers no longer block the writer, and the
// database stays consistent after a crash. The trade: after a power loss (not a process
// crash) the last commits may be gone, so a client may have to sign in again.
const SQLITE_PRAGMAS = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

function withSqlitePragmas(factory: PrismaBetterSqlite3): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      await adapter.executeScript(SQLITE_PRAGMAS);
      return adapter;
    },
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}
