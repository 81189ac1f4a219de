// The one place that shapes JSON errors: { error, message }, never cached.
import { NextResponse } from "next/server";
import { getConfig } from "../config";

export const NO_STORE = "no-store";

export function jsonError(status: number, error: string, message: string, headers?: HeadersInit): NextResponse {
  const response = NextResponse.json({ error, message }, { status, headers });
  response.headers.set("Cache-Control", NO_STORE);
  return response;
}

export function json(body: unknown, init?: { status?: number; headers?: HeadersInit }): NextResponse {
  const response = NextResponse.json(body, init);
  response.headers.set("Cache-Control", NO_STORE);
  return response;
}

/**
 * 303 so that a form POST turns into a GET of the target. Absolute against APP_URL:
 * behind a proxy, request.url names the internal host, not the public one.
 */
export function seeOther(location: string): NextResponse {
  const response = NextResponse.redirect(new URL(location, getConfig().appOrigin), 303);
  response.headers.set("Cache-Control", NO_STORE);
  return response;
}

export const unauthorized = (message = "Sign in to continue."): NextResponse =>
  jsonError(401, "unauthorized", message, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
