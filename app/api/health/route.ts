import { getDb } from "@/lib/db";
import { json } from "@/lib/http/responses";
import { errorMessage, logger } from "@/lib/observability/log";
import { answeringUnavailable, DATABASE_RETRY_AFTER_SECONDS } from "@/lib/http/unavailable";

// Liveness (docs/http-contract.md): the process answers and its database round trip works. The 503
// carries the API's error shape as well as the contract's status fields.
export const GET = answeringUnavailable(async function GET() {
  try {
    await getDb().$queryRaw`SELECT 1`;
    return json({ status: "ok", db: "ok" });
  } catch (error) {
    logger().warn({ reason: errorMessage(error) }, "health check: database unreachable");
    return json(
      {
        status: "error",
        db: "unreachable",
        error: "database_unreachable",
        message: "The database cannot be reached.",
      },
      { status: 503, headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) } },
    );
  }
});
