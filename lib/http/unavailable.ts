import "server-only";
import { PasswordPoolBusyError } from "@/lib/auth/password";
import { isDatabaseUnavailable } from "@/lib/db/outage";
import { errorMessage, logger } from "@/lib/observability/log";
import { runLoggedRequest } from "@/lib/observability/request-log";
import { jsonError, overloaded } from "./responses";

/** Also the readiness probe's Retry-After (app/api/health/ready/route.ts). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const databaseUnreachable = () =>
  jsonError(
    503,
    "database_unreachable",
    "The database cannot be reached, did not answer in time, or cannot store anything right now. Try again shortly.",
    {
      "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
    },
  );

/**
 * Every route handler is wrapped in this (tests/unit/route-handlers.test.ts checks the
 * files), so that "try again later" is answered 503 + Retry-After with a JSON error, never
 * Next.js's 500:
 * - the database cannot be reached (lib/db/outage.ts). Nothing was decided when a query
 *   could not run: a rotation's transaction either committed or did not, and a client
 *   that retries within the reuse grace window gets the current pair either way
 *   (tests/http/faults.test.ts takes PostgreSQL away under a burst of refreshes);
 * - the password workers' queue is full (lib/auth/password-pool.ts): nothing was checked.
 *   The sign-in route answers that one itself, because its form posts need the page.
 * It is also where every request gets its id and, on the auth routes, its log line
 * (lib/observability/request-log.ts): the one place every handler goes through.
 */
export function answeringUnavailable<Args extends unknown[]>(
  handler: (...args: Args) => Response | Promise<Response>,
): (...args: Args) => Promise<Response> {
  const answer = async (args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      if (error instanceof PasswordPoolBusyError) return overloaded(error.retryAfterSeconds);
      if (!isDatabaseUnavailable(error)) throw error;
      logger().warn({ reason: errorMessage(error) }, "database unreachable");
      return databaseUnreachable();
    }
  };
  return async (...args) => {
    // Next.js passes the request first to every route handler.
    const request = args[0];
    return request instanceof Request ? runLoggedRequest(request, () => answer(args)) : answer(args);
  };
}
