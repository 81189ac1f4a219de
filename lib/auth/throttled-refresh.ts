import "server-only";
import type { Db } from "../db";
import type { ClientInfo } from "./client-info";
import { refreshLimits } from "./rate-limit";
import { COOKIE_REFRESH, rotateRefreshToken, type RefreshDoor, type RefreshVia, type RotationResult } from "./refresh";

export type ThrottledRefresh = RotationResult | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * A refresh as the cookie route and the token endpoint serve it. Only failures count
 * against the client address, and past the limit they are answered 429 instead of 401.
 * A valid token still rotates from a throttled address: 256-bit tokens cannot be
 * guessed, so refusing it would only sign out honest users behind the same NAT, and the
 * hot path (a successful refresh) pays for no rate-limit query at all.
 */
export async function throttledRefresh(
  db: Db,
  presented: string,
  client: ClientInfo,
  via: RefreshVia | null = null,
  door: RefreshDoor = COOKIE_REFRESH,
): Promise<ThrottledRefresh> {
  const result = await rotateRefreshToken(db, presented, client, new Date(), via, door);
  // A bound session's refresh cookie is a real token, not a guess: no failed point for it
  // (a page that has not yet learned of the binding may post it once).
  if (result.ok || result.error === "session_bound") return result;
  const limit = await refreshLimits.recordFailure(db, client.ip);
  return limit.limited ? { ok: false, error: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds } : result;
}
