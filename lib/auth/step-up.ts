import "server-only";
import type { NextResponse } from "next/server";
import { getConfig } from "../config";
import { addSeconds } from "../dates";
import { jsonError } from "../http/responses";
import type { CurrentSession } from "./session/current";

// Step-up (issue 23, docs/decisions/0020-second-factor-and-step-up.md): a sensitive action
// — change password or email, add or remove a factor or passkey, regenerate recovery
// codes, delete the account, end all other sessions — needs an authentication at most
// REAUTH_MAX_AGE_SECONDS old. A stolen session (a cookie copied off a shared computer, a
// token an XSS got hold of) must not be enough to lock its owner out.

/** When the session's last authentication stops counting for sensitive actions. */
export function stepUpExpiresAt(authenticatedAt: Date): Date {
  return addSeconds(authenticatedAt, getConfig().reauthMaxAgeSeconds);
}

/** Whether the session authenticated recently enough for a sensitive action. */
export function isRecentlyAuthenticated(authenticatedAt: Date, now = new Date()): boolean {
  return stepUpExpiresAt(authenticatedAt).getTime() > now.getTime();
}

/**
 * THE check of every sensitive route, called right after getCurrentSession(): null when
 * the caller may go on, otherwise the response to answer with. A browser (cookie) gets
 * 403 `reauthentication_required` and its page asks again in place (POST
 * /api/auth/reauth); a token-API client (Authorization header) gets RFC 9470's 401
 * challenge, which tells it to send the user through a new authorization request.
 */
export function demandRecentAuthentication(current: CurrentSession, now = new Date()): NextResponse | null {
  if (isRecentlyAuthenticated(current.session.authentication.at, now)) return null;
  const maxAge = getConfig().reauthMaxAgeSeconds;
  if (current.via === "cookie") {
    return jsonError(
      403,
      "reauthentication_required",
      `Confirm it's you: this needs a sign-in within the last ${describeSeconds(maxAge)}.`,
    );
  }
  // RFC 9470 §3, in the scheme the token came in (a DPoP client is never told Bearer).
  const description = "A more recent authentication is required.";
  return jsonError(401, "insufficient_user_authentication", description, {
    "WWW-Authenticate": `${current.via} error="insufficient_user_authentication", error_description="${description}", max_age=${maxAge}`,
  });
}

function describeSeconds(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? "minute" : `${minutes} minutes`;
}
