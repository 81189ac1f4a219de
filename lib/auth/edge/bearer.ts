// Where the access token comes from: the cookie (browsers) or `Authorization: Bearer`
// (API clients). Edge-safe.
import { readAuthCookies } from "./cookies";

type CookieReader = Parameters<typeof readAuthCookies>[0];

export type PresentedAccessToken =
  | { kind: "none" }
  | { kind: "token"; token: string; viaBearer: boolean }
  // Both were sent and they differ: neither is trusted, rather than picking one.
  | { kind: "conflict" };

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

export function bearerToken(headers: Headers): string | undefined {
  return BEARER.exec(headers.get("authorization") ?? "")?.[1];
}

export function presentedAccessToken(headers: Headers, cookies: CookieReader): PresentedAccessToken {
  const bearer = bearerToken(headers);
  const cookie = readAuthCookies(cookies).accessToken;
  if (bearer && cookie && bearer !== cookie) return { kind: "conflict" };
  if (bearer) return { kind: "token", token: bearer, viaBearer: true };
  if (cookie) return { kind: "token", token: cookie, viaBearer: false };
  return { kind: "none" };
}
