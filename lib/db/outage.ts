// Which database errors mean "the database is not there right now" (as opposed to a bug
// or bad data): the routes answer those 503 with Retry-After instead of a 500, because
// nothing was decided and the client should simply try again (issue 26, faults).
import { Prisma } from "../generated/prisma/client";
// Prisma's own codes: can't reach (P1001), timed out connecting (P1002), operation timed
// out (P1008), server closed the connection (P1017), no connection free in the pool (P2024).
const PRISMA_OUTAGE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// The driver adapters' error kinds for the same situations.
const ADAPTER_OUTAGE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
// PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01-57P03 (the server is
// shutting down, crashed, or cannot accept connections yet), 53300 (too many connections),
// and the database giving up on a statement: 57014 (cancelled, e.g. by statement_timeout,
// which docs/operations.md recommends) and 55P03 (lock_timeout). A cancelled statement
// rolls its transaction back, so nothing was decided and a retry is right.
const POSTGRES_GAVE_UP = new Set(["53300", "57014", "55P03"]);
const isPostgresOutageCode = (code: string) =>
  code.startsWith("08") || /^57P0[123]$/.test(code) || POSTGRES_GAVE_UP.has(code);

/** What the driver (pg, better-sqlite3) said, as Prisma's driver adapters pass it on. */
export type DriverError = { kind?: string; code?: string; severity?: string; message?: string };

export function driverErrorOf(error: unknown): DriverError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  // better-sqlite3's own error, unwrapped: the SQLite refresh path runs its statements on
  // the driver directly (lib/db/sqlite-connection.ts).
  if (error instanceof Error && error.name === "SqliteError" && "code" in error && typeof error.code === "string") {
    return { kind: "sqlite", code: error.code, message: error.message };
  }
  const meta = (error as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } }).meta;
  const cause = meta?.driverAdapterError?.cause ?? (error as { cause?: Record<string, unknown> }).cause;
  if (typeof cause !== "object" || cause === null) return undefined;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    kind: text(cause.kind),
    code: text(cause.originalCode) ?? text(cause.code),
    severity: text(cause.severity),
    message: text(cause.originalMessage) ?? text(cause.message),
  };
}

// The database is there but cannot store anything. SQLite: a full disk, an I/O error (a
// full disk can also show as one, e.g. SQLITE_IOERR_SHMSIZE when the -shm file cannot
// grow), a read-only file or directory, a file that cannot be opened; each with its
// extended codes (SQLITE_READONLY_DIRECTORY...). PostgreSQL: disk_full, and a read-only
// transaction (a standby after a failover, default_transaction_read_only).
const SQLITE_CANNOT_STORE = ["SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN"];
const POSTGRES_CANNOT_STORE = new Set(["53100", "25006"]);

/** What the driver said when the database cannot store anything, or undefined for other errors. */
export function storageRefusal(error: unknown): DriverError | undefined {
  const driver = driverErrorOf(error);
  const code = driver?.code;
  if (!code) return undefined;
  const sqlite = SQLITE_CANNOT_STORE.some((primary) => code === primary || code.startsWith(`${primary}_`));
  return sqlite || POSTGRES_CANNOT_STORE.has(code) ? driver : undefined;
}

/**
 * True when nothing was decided because the database is not there, gave up, or cannot
 * store anything right now: the request is answered 503 and may be tried again. (At
 * start, a database that cannot store is refused instead: lib/startup.ts.)
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (storageRefusal(error)) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && PRISMA_OUTAGE_CODES.has(error.code)) return true;
  const driver = driverErrorOf(error);
  if (!driver) return false;
  if (driver.kind && ADAPTER_OUTAGE_KINDS.has(driver.kind)) return true;
  if (!driver.code) return false;
  // 55000 is "object not in prerequisite state" in general; as a FATAL error it is the
  // server refusing connections to a database (ALLOW_CONNECTIONS false, maintenance).
  return isPostgresOutageCode(driver.code) || (driver.code === "55000" && driver.severity === "FATAL");
}
