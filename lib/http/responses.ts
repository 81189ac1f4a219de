// The one place that shapes responses of the API: JSON errors are { error, message },
// and nothing an auth route answers is ever cached.
import { NextResponse } from "next/server";
import { getConfig } from "@/lib/config";

const NO_STORE = "no-store";

export function json(body: unknown, init?: { status?: number; headers?: HeadersInit }): NextResponse {
  const response = NextResponse.json(body, init);
  response.headers.set("Cache-Control", NO_STORE);
  return response;
}

export function jsonError(status: number, error: string, message: string, headers?: HeadersInit): NextResponse {
  return json({ error, message }, { status, headers });
}

/** A success with nothing to say (204 by default). */
export function empty(status = 204): NextResponse {
  return new NextResponse(null, { status, headers: { "Cache-Control": NO_STORE } });
}

/**
 * 303 so that a form POST turns into a GET of the target. Absolute against APP_URL:
 * behind a proxy, request.url names the internal host, not the public one.
 */
export function seeOther(location: string): NextResponse {
  // Not NextResponse.redirect(): it rewrites 127.0.0.1 to "localhost", a different
  // cookie host, so a user on http://127.0.0.1 would land signed out.
  return new NextResponse(null, {
    status: 303,
    headers: { Location: new URL(location, getConfig().appOrigin).href, "Cache-Control": NO_STORE },
  });
}

/** A 401's WWW-Authenticate challenge (RFC 6750 §3, RFC 9449 §7.1). */
export type AuthChallenge = {
  /** The scheme the failed credentials used; both are offered when none were sent. */
  scheme?: "Bearer" | "DPoP";
  /** Omitted when the request carried no credentials at all (RFC 6750 §3.1). */
  error?: "invalid_token" | "invalid_dpop_proof";
};

// Keep in step with DPOP_ALGORITHMS (lib/auth/edge/dpop.ts, which may not be imported here).
const DPOP_ALGS = 'algs="ES256 ES384 Ed25519 EdDSA RS256 PS256"';

function challengeHeader({ scheme, error }: AuthChallenge): string {
  if (!scheme) return `Bearer, DPoP ${DPOP_ALGS}`;
  const params = error ? [`error="${error}"`] : [];
  if (scheme === "DPoP") params.push(DPOP_ALGS);
  return params.length > 0 ? `${scheme} ${params.join(", ")}` : scheme;
}

// Routes behind the gate call this after the credentials failed the server-side check.
export const unauthorized = (
  message = "Sign in to continue.",
  challenge: AuthChallenge = { scheme: "Bearer", error: "invalid_token" },
): NextResponse => jsonError(401, "unauthorized", message, { "WWW-Authenticate": challengeHeader(challenge) });

export const rateLimited = (retryAfterSeconds: number): NextResponse =>
  jsonError(429, "rate_limited", `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    "Retry-After": String(retryAfterSeconds),
  });

// The password workers' queue is full (lib/auth/password-pool.ts): nothing was checked
// or written, the client may simply retry.
export const overloaded = (retryAfterSeconds: number): NextResponse =>
  jsonError(503, "overloaded", `The server is busy. Try again in ${retryAfterSeconds} seconds.`, {
    "Retry-After": String(retryAfterSeconds),
  });
