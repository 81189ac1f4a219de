import { ConfigError, getAuthSecrets, getConfig } from "./config";
import { getDb } from "./db";
import { isDatabaseUnavailable, storageRefusal } from "./db/outage";
import { describeError, logger } from "./observability/log";

/** Refuse to serve with a bad configuration rather than fail on the first sign-in. */
export function assertConfigOrExit(): void {
  try {
    getConfig();
    getAuthSecrets();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger().fatal(`Refusing to start: ${error.message}`);
    process.exit(1);
  }
}

/**
 * Refuse to serve on a database that cannot take writes (a read-only file, a full disk, a
 * standby: lib/db/outage.ts): every sign-in and refresh writes, so such a server would
 * answer nothing but 503s while looking alive. A database that cannot be reached yet is
 * not refused: the server answers 503 until it can (lib/http/unavailable.ts), so an app
 * that starts before its database recovers by itself.
 */
export async function assertDatabaseWritableOrExit(): Promise<void> {
  try {
    // Takes the write lock and changes nothing (the table is Prisma's migration history).
    await getDb().$executeRawUnsafe('UPDATE "_prisma_migrations" SET "id" = "id" WHERE 1 = 0');
  } catch (error) {
    const refusal = storageRefusal(error);
    if (refusal) {
      logger().fatal(
        `Refusing to start: the database refuses writes (${refusal.code}: ${refusal.message}). ` +
          "Check that DATABASE_URL names a writable file on a disk with free space, or a primary PostgreSQL server.",
      );
      process.exit(1);
    }
    if (isDatabaseUnavailable(error)) {
      logger().warn("The database cannot be reached yet: answering 503 until it can.");
      return;
    }
    // Anything else (a database not migrated yet, say) is left to the requests to report.
    logger().error({ exception: describeError(error) }, "Startup write check failed");
  }
}
