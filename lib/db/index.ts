import "server-only";
import { getConfig } from "../config";
import { createDb, type Db } from "./client";

export type { Db } from "./client";

const globalForDb = globalThis as typeof globalThis & { __db?: Db };

// One client per process, kept on globalThis. In development, hot reload re-evaluates
// this module; in production, Next.js may bundle it into several route chunks. Either
// way a module-level variable would open a second pool (for SQLite, a second
// connection with its own transaction queue).
export function getDb(): Db {
  const { databaseUrl, databasePoolSize } = getConfig();
  globalForDb.__db ??= createDb(databaseUrl, databasePoolSize);
  return globalForDb.__db;
}
