// Where the access token comes from: the cookie (browsers) or `Authorization: Bearer` /
// `Authorization: DPoP` (API clients, RFC 6750 / RFC 9449 §7.1). Edge-safe.
import { readAuthCookies } from "./cookies";

type CookieReader = Parameters<typeof readAuthCookies>[0];

export type PresentedAccessToken =
  | { kind: "none" }
  | { kind: "token"; token: string; viaBearer: boolean; scheme: "bearer" | "dpop" | "cookie" }
  // Both were sent and they differ: neither is trusted, rather than picking one.
  | { kind: "conflict" };

// RFC 9110 §11.1: the auth scheme is case-insensitive ("bearer", "DPOP"), and one or
// more spaces separate it from the token68 (RFC 6750 §2.1).
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;

function authorizationToken(headers: Headers): { scheme: "bearer" | "dpop"; token: string } | undefined {
  const match = AUTHORIZATION.exec(headers.get("authorization") ?? "");
  if (!match) return undefined;
  return { scheme: match[1]!.toLowerCase() === "dpop" ? "dpop" : "bearer", token: match[2]! };
}

/** The token of an `Authorization: Bearer` or `DPoP` header: never an ambient credential. */
export function bearerToken(headers: Headers): string | undefined {
  return authorizationToken(headers)?.token;
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
  const header = authorizationToken(headers);
  const bearer = header?.token;
  const cookie = readAuthCookies(cookies).accessToken;
  if (bearer && cookie && bearer !== cookie) return { kind: "conflict" };
  if (header) return { kind: "token", token: header.token, viaBearer: true, scheme: header.scheme };
  if (cookie) return { kind: "token", token: cookie, viaBearer: false, scheme: "cookie" };
  return { kind: "none" };
}
