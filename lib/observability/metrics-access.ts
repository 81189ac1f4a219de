import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { getConfig } from "../config";

export type MetricsAccess = "not_served" | "denied" | "granted";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Who may read the metrics: only a scraper that sends METRICS_TOKEN as a bearer token.
 * Without METRICS_TOKEN the endpoint does not exist (404), so a deployment that never
 * configured it exposes nothing. Compared as SHA-256 digests in constant time, so the
 * comparison leaks neither the token's length nor how much of a guess was right.
 */
export function metricsAccess(authorization: string | null): MetricsAccess {
  const { metricsToken } = getConfig();
  if (metricsToken === null) return "not_served";
  const presented = /^Bearer (\S+)$/i.exec(authorization ?? "")?.[1];
  if (presented === undefined) return "denied";
  return timingSafeEqual(digest(presented), digest(metricsToken)) ? "granted" : "denied";
}
