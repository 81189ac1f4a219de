import type { NextRequest } from "next/server";
import { z } from "zod";
import { clearAuthCookies, readAuthCookies, setAuthCookies } from "@/lib/auth/edge/cookies";
import type { RefreshFailure } from "@/lib/auth/refresh";
import { throttledRefresh } from "@/lib/auth/throttled-refresh";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { safeNextPath } from "@/lib/http/next-path";
import { BROWSER_REFRESH_REASONS, REFRESH_REASON_HEADER } from "@/lib/http/refresh-reason";
import { json, jsonError, rateLimited, seeOther } from "@/lib/http/responses";
import { countRefresh } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

type CookieRefreshFailure = "invalid_refresh_token" | "refresh_token_reused" | "session_expired" | "session_bound";

const FAILURE_MESSAGES: Record<CookieRefreshFailure, string> = {
  invalid_refresh_token: "The refresh token is missing or invalid. Sign in again.",
  refresh_token_reused: "This refresh token was already used; the session has been revoked. Sign in again.",
  session_expired: "The session has expired. Sign in again.",
  session_bound: "This session is bound to a device key; the browser renews it with a proof of that key.",
};

// A token this door may not take (a token-API client's, sent as a cookie) is, to the
// browser, just not a valid refresh cookie: which binding refused it is not said.
const cookieFailure = (error: RefreshFailure): CookieRefreshFailure =>
  error === "refresh_token_reused" || error === "session_expired" || error === "session_bound"
    ? error
    : "invalid_refresh_token";

// Only a label for the rotation history: a missing or unknown one is recorded as unknown
// rather than refused, so other clients of this route keep working unchanged.
const reasonHeader = z.enum(BROWSER_REFRESH_REASONS);

// For fetch() calls: a new pair in cookies, the new expiry in JSON.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const { refreshToken } = readAuthCookies(request.cookies);
  if (!refreshToken) {
    countRefresh({ ok: false, error: "invalid_refresh_token" });
    return jsonError(401, "invalid_refresh_token", FAILURE_MESSAGES.invalid_refresh_token);
  }

  const reason = reasonHeader.safeParse(request.headers.get(REFRESH_REASON_HEADER));
  const via = reason.success ? reason.data : null;
  const result = await throttledRefresh(getDb(), refreshToken, clientInfo(request), via);
  countRefresh(result);
  if (result.ok) {
    const response = json({ accessTokenExpiresAt: result.tokens.accessTokenExpiresAt.toISOString() });
    setAuthCookies(response.cookies, result.tokens);
    return response;
  }
  // Throttled: the cookies may be fine, so they are left alone.
  if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
  const error = cookieFailure(result.error);
  const response = jsonError(401, error, FAILURE_MESSAGES[error]);
  // A bound session's cookies are still the key holder's: only its proof renews them.
  if (error === "session_bound") return response;
  clearAuthCookies(response.cookies);
  return response;
});

// For page navigations the middleware could not let through: rotate and go back to
// `next`, or go to the login page. Changes state on GET only by rotating the caller's
// own token, and redirects only to same-origin paths.
export const GET = answeringUnavailable(async function GET(request: NextRequest) {
  const next = safeNextPath(request.nextUrl.searchParams.get("next"));
  // The sign-in page explains a theft detection; other failures need no explanation.
  const toLogin = (reason?: string) =>
    seeOther(`/login?${new URLSearchParams({ next, ...(reason === "refresh_token_reused" ? { reason } : {}) })}`);
  const { refreshToken } = readAuthCookies(request.cookies);
  // No cookie may only mean the browser withheld the SameSite=Strict cookie on a
  // cross-site navigation: do not answer with a deletion of the real one.
  if (!refreshToken) return toLogin();

  const result = await throttledRefresh(getDb(), refreshToken, clientInfo(request), "navigation");
  countRefresh(result);
  if (result.ok) {
    const response = seeOther(next);
    setAuthCookies(response.cookies, result.tokens);
    return response;
  }
  if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
  const error = cookieFailure(result.error);
  if (error === "session_bound") return toLogin();
  const response = toLogin(error);
  clearAuthCookies(response.cookies);
  return response;
});
