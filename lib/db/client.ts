// Creates a Prisma client for a DATABASE_URL. No `server-only` marker: the seed,
// prune and migration scripts and the tests use it outside Next.js too.
import { PrismaClient as PostgresClient } from "../generated/prisma-postgresql/client";
import { PrismaClient } from "../generated/prisma/client";
import { createAdapterFactory, providerOf } from "./adapter";
import { SqliteConnection } from "./sqlite-connection";

export type Db = InstanceType<typeof PrismaClient>;

// The refresh hot path must know the dialect of the client it was handed, which need
// not be the configured DATABASE_URL's (tests make their own databases). Kept on
// globalThis: Next.js bundles this module into several server chunks, each with its own
// module-level variables, and the client getDb() keeps may have been made by another
// chunk than the one asking (the startup check makes it in instrumentation's chunk;
// with a module-level map every refresh on SQLite then took the PostgreSQL path).
const globalForConnections = globalThis as typeof globalThis & {
  __sqliteConnections?: WeakMap<Db, SqliteConnection>;
};
const sqliteConnections = (globalForConnections.__sqliteConnections ??= new WeakMap());

export function createDb(databaseUrl: string, poolSize?: number): Db {
  const factory = createAdapterFactory(databaseUrl, poolSize);
  const provider = providerOf(databaseUrl);
  // Prisma generates one client per provider (each carries its own query compiler);
  // both come from the same schema.prisma models, so their APIs are the same.
  let db: Db;
  if (provider === "sqlite") {
    const connection = new SqliteConnection(() => db.$connect());
    db = new PrismaClient({ adapter: connection.track(factory) });
    sqliteConnections.set(db, connection);
  } else {
    db = new PostgresClient({ adapter: factory }) as unknown as Db;
  }
  return db;
}

/** Prisma's own SQLite connection behind a client made by createDb; null on PostgreSQL. */
export function sqliteConnectionOf(db: Db): SqliteConnection | null {
  return sqliteConnections.get(db) ?? null;
}
