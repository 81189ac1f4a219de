// Where the access token comes from: the cookie (browsers) or `Authorization: Bearer`
// (API clients). Edge-safe.
import { readAuthCookies } from "./cookies";

type CookieReader = Parameters<typeof readAuthCookies>[0];

export type PresentedAccessToken =
  | { kind: "none" }
  | { kind: "token"; token: string; viaBearer: boolean }
  // Both were sent and they differ: neither is trusted, rather than picking one.
  | { kind: "conflict" };

// RFC 9110 §11.1: the auth scheme is case-insensitive ("bearer", "BEARER"), and one or
// more spaces separate it from the token68 (RFC 6750 §2.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function bearerToken(headers: Headers): string | undefined {
  return BEARER.exec(headers.get("authorization") ?? "")?.[1];
}

/**
 * Is the bearer token what authenticates this request? Only then is the request exempt
 * from the CSRF check (a cross-site page cannot make a browser attach a bearer token),
 * and only on routes that authenticate by access token. Class of bug closed: an
 * exemption granted for the mere presence of a header, on routes where the cookie is
 * what counts. A bearer that conflicts with the access cookie authenticates nothing.
 */
export function authenticatesByBearer(headers: Headers, cookies: CookieReader): boolean {
  const presented = presentedAccessToken(headers, cookies);
  return presented.kind === "token" && presented.viaBearer;
}

export function presentedAccessToken(headers: Headers, cookies: CookieReader): PresentedAccessToken {
  const bearer = bearerToken(headers);
  const cookie = readAuthCookies(cookies).accessToken;
  if (bearer && cookie && bearer !== cookie) return { kind: "conflict" };
  if (bearer) return { kind: "token", token: bearer, viaBearer: true };
  if (cookie) return { kind: "token", token: cookie, viaBearer: false };
  return { kind: "none" };
}
