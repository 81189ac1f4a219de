import "server-only";
import type { Db } from "../db";
import { errorMessage, logger } from "../observability/log";

// Shared with server.mjs (plain JS, outside the bundle): it sets this global when it
// starts draining on SIGTERM, so readiness turns 503 and load balancers stop sending
// new requests while the in-flight ones finish.
const DRAINING = Symbol.for("next-auth-tokens.draining");

export function isDraining(): boolean {
  return (globalThis as Record<symbol, unknown>)[DRAINING] === true;
}

/** A database that does not answer within this long is as good as unreachable to a probe. */
export const READINESS_DB_TIMEOUT_MS = 2000;

export type Readiness = { ready: true } | { ready: false; reason: "draining" | "database_unreachable" };

/**
 * Can this instance serve traffic now: not shutting down, and the database answers a
 * round trip. Every request that matters needs the database (sessions, rotation, rate
 * limits), so an instance without it should be taken out of rotation, not restarted:
 * that is the readiness probe; GET /api/health stays the cheap liveness check.
 */
export async function checkReadiness(db: Db): Promise<Readiness> {
  if (isDraining()) return { ready: false, reason: "draining" };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), READINESS_DB_TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([db.$queryRaw`SELECT 1`.then(() => "ok" as const), timedOut]);
    if (answer === "timeout") return { ready: false, reason: "database_unreachable" };
    return { ready: true };
  } catch (error) {
    logger().warn({ reason: errorMessage(error) }, "readiness: database unreachable");
    return { ready: false, reason: "database_unreachable" };
  } finally {
    clearTimeout(timer);
  }
}
