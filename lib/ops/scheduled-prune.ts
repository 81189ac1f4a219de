import "server-only";
import { pruneExpired, type PruneResult } from "../auth/prune";
import { getConfig } from "../config";
import { getDb } from "../db";
import { describeError, logger } from "../observability/log";
import { ADVISORY_LOCK, runExclusively, type Exclusive } from "./exclusive";

/** One prune of the configured database, unless another instance is pruning it now. */
export function pruneOnce(): Promise<Exclusive<PruneResult>> {
  return runExclusively(getConfig().databaseUrl, ADVISORY_LOCK.prune, () => pruneExpired(getDb()));
}

const globalForPrune = globalThis as typeof globalThis & { __pruneTimer?: NodeJS.Timeout };

/**
 * The server's own periodic prune, every PRUNE_INTERVAL_SECONDS (0: off). The first run
 * is one interval after start, not at start: a fleet that restarts all instances at
 * once does not prune all at once, and a short-lived server (a test) never deletes rows
 * under its feet. A fleet redeployed more often than the interval should run
 * `npm run db:prune` from cron as well. The timer does not keep the process alive.
 */
export function startScheduledPrune(): void {
  const { pruneIntervalSeconds } = getConfig();
  if (pruneIntervalSeconds === 0 || globalForPrune.__pruneTimer) return;
  let running = false;
  globalForPrune.__pruneTimer = setInterval(() => {
    // A prune that outlasts the interval is not started twice by this instance.
    if (running) return;
    running = true;
    pruneOnce()
      .then((outcome) => {
        if (!outcome.ran) return;
        const deleted = Object.entries(outcome.value).filter(([, count]) => count > 0);
        if (deleted.length > 0) {
          const summary = deleted.map(([table, count]) => `${count} ${table}`).join(", ");
          logger().info({ deleted: Object.fromEntries(deleted) }, `prune: deleted ${summary}`);
        }
      })
      // A failed prune (the database away for a moment) is retried at the next tick; it
      // must not take the server down.
      .catch((error: unknown) => logger().error({ exception: describeError(error) }, "prune failed"))
      .finally(() => (running = false));
  }, pruneIntervalSeconds * 1000);
  globalForPrune.__pruneTimer.unref();
}
