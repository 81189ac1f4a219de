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

export const unauthorized = (message = "Sign in to continue."): NextResponse =>
  jsonError(401, "unauthorized", message, { "WWW-Authenticate": 'Bearer error="invalid_token"' });

export const rateLimited = (retryAfterSeconds: number): NextResponse =>
  jsonError(429, "rate_limited", `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    "Retry-After": String(retryAfterSeconds),
  });
