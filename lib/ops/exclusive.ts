import "server-only";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { providerOf } from "../db/adapter";

// One holder at a time across every app instance of a PostgreSQL deployment, with the
// database's own advisory lock rather than a leader election of our own: the lock is
// held by one connection and released when that connection ends, so an instance that
// dies mid-job frees it at once and nothing has to expire. Its own short-lived
// connection (not one of the Prisma pool's): a session-level lock belongs to the
// connection that took it, and the pool would hand the unlock to another one.
// SQLite has one app instance by design (PostgreSQL is for several), so there it simply runs.

/** Keys of the jobs that must not run twice at once (any 64-bit integer, fixed forever). */
export const ADVISORY_LOCK = { prune: 2_604_202_601n } as const;

export type Exclusive<T> = { ran: true; value: T } | { ran: false };

/** Runs `job` unless another process holds `key`; then it returns `{ ran: false }` at once. */
export async function runExclusively<T>(
  databaseUrl: string,
  key: bigint,
  job: () => Promise<T>,
): Promise<Exclusive<T>> {
  if (providerOf(databaseUrl) === "sqlite") return { ran: true, value: await job() };
  const client = new pg.Client(parseIntoClientConfig(databaseUrl));
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [
      key.toString(),
    ]);
    if (!rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await job() };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [key.toString()]);
    }
  } finally {
    await client.end();
  }
}
