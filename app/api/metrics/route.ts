import type { NextRequest } from "next/server";
import { jsonError } from "@/lib/http/responses";
import { metricsAccess } from "@/lib/observability/metrics-access";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Prometheus scrape target (text exposition format). See lib/observability/metrics.ts.
export const GET = answeringUnavailable(async function GET(request: NextRequest) {
  const access = metricsAccess(request.headers.get("authorization"));
  if (access === "not_served") return jsonError(404, "not_found", "There is nothing here.");
  if (access === "denied") {
    return jsonError(401, "unauthorized", "Send the metrics token as a bearer token.", {
      "WWW-Authenticate": 'Bearer realm="metrics"',
    });
  }
  return new Response(await renderMetrics(), {
    headers: { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" },
  });
});
