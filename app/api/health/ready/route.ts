import { getDb } from "@/lib/db";
import { DATABASE_RETRY_AFTER_SECONDS } from "@/lib/http/unavailable";
import { json, jsonError } from "@/lib/http/responses";
import { checkReadiness } from "@/lib/ops/readiness";
import { answeringUnavailable } from "@/lib/http/unavailable";

const MESSAGES = {
  draining: "This instance is shutting down.",
  database_unreachable: "The database cannot be reached.",
} as const;

// Readiness probe: 200 when this instance can serve, 503 (JSON, with Retry-After) when
// it cannot; see lib/ops/readiness.ts. Liveness is GET /api/health.
export const GET = answeringUnavailable(async function GET() {
  const readiness = await checkReadiness(getDb());
  if (readiness.ready) return json({ status: "ready", db: "ok" });
  return jsonError(503, readiness.reason, MESSAGES[readiness.reason], {
    "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
  });
});
