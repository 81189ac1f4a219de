// Cookie names and attributes (docs/cookies.md). Edge-safe.
import { getConfig } from "@/lib/config";

// Refresh tokens only ever travel to the auth routes.
export const REFRESH_COOKIE_PATH = "/api/auth";

export type CookieNames = { access: string; refresh: string };

export type CookieSpec = {
  name: string;
  value: string;
  httpOnly: true;
  secure: boolean;
  sameSite: "lax" | "strict";
  path: string;
  maxAge: number;
};

// Over https the prefixes make the browser refuse cookies that a sibling subdomain or a
// plain-http page tries to plant; we then read only the prefixed names.
export function cookieNames(secure: boolean = getConfig().secureCookies): CookieNames {
  return secure
    ? { access: "__Host-access_token", refresh: "__Secure-refresh_token" }
    : { access: "access_token", refresh: "refresh_token" };
}

function secondsUntil(when: Date, now: Date): number {
  return Math.max(0, Math.floor((when.getTime() - now.getTime()) / 1000));
}

function accessTokenCookie(token: string, expiresAt: Date, now: Date = new Date()): CookieSpec {
  const { secureCookies } = getConfig();
  return {
    name: cookieNames(secureCookies).access,
    value: token,
    httpOnly: true,
    secure: secureCookies,
    sameSite: "lax",
    path: "/",
    maxAge: secondsUntil(expiresAt, now),
  };
}

// SameSite=Strict: a cross-site request never carries the refresh token. A cross-site
// link into the app with an expired access token therefore cannot refresh on the first
// navigation; the login page retries the refresh from a same-site fetch before it asks
// for the password, so Lax is not needed.
function refreshTokenCookie(token: string, expiresAt: Date, now: Date = new Date()): CookieSpec {
  const { secureCookies } = getConfig();
  return {
    name: cookieNames(secureCookies).refresh,
    value: token,
    httpOnly: true,
    secure: secureCookies,
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: secondsUntil(expiresAt, now),
  };
}

/** Deletions must repeat name, path and attributes, or the browser keeps the cookie. */
function clearedAuthCookies(): CookieSpec[] {
  const epoch = new Date(0);
  return [accessTokenCookie("", epoch, epoch), refreshTokenCookie("", epoch, epoch)];
}

type CookieReader = { get(name: string): { value: string } | undefined };

export function readAuthCookies(cookies: CookieReader): { accessToken?: string; refreshToken?: string } {
  const names = cookieNames();
  return { accessToken: cookies.get(names.access)?.value, refreshToken: cookies.get(names.refresh)?.value };
}

type CookieWriter = { set(cookie: CookieSpec): unknown };

export function setAuthCookies(
  cookies: CookieWriter,
  tokens: { accessToken: string; accessTokenExpiresAt: Date; refreshToken: string; refreshTokenExpiresAt: Date },
): void {
  cookies.set(accessTokenCookie(tokens.accessToken, tokens.accessTokenExpiresAt));
  cookies.set(refreshTokenCookie(tokens.refreshToken, tokens.refreshTokenExpiresAt));
}

/** Only a new access token: what a device-bound session's refresh issues. */
export function setAccessTokenCookie(cookies: CookieWriter, token: string, expiresAt: Date): void {
  cookies.set(accessTokenCookie(token, expiresAt));
}

/**
 * The access cookie's attributes as a DBSC session names its bound credential: the
 * browser compares them with the cookie it holds, so they must match what we set.
 */
export function accessTokenCookieAttributes(): string {
  const cookie = accessTokenCookie("", new Date(0));
  const sameSite = cookie.sameSite === "lax" ? "Lax" : "Strict";
  return [`Path=${cookie.path}`, ...(cookie.secure ? ["Secure"] : []), "HttpOnly", `SameSite=${sameSite}`].join("; ");
}

export function clearAuthCookies(cookies: CookieWriter): void {
  for (const cookie of clearedAuthCookies()) cookies.set(cookie);
}

/** Only the access cookie: the demo's "drop my access token" keeps the refresh token. */
export function clearAccessCookie(cookies: CookieWriter): void {
  const epoch = new Date(0);
  cookies.set(accessTokenCookie("", epoch, epoch));
}

// The pending sign-in of an account with a second factor (lib/auth/mfa/pending-sign-in.ts):
// only to the route that completes it, never cross-site, gone after five minutes.
export const PENDING_SIGN_IN_PATH = "/api/auth/mfa";
const pendingSignInName = (secure: boolean) => (secure ? "__Secure-pending_sign_in" : "pending_sign_in");

function pendingSignInCookie(token: string, maxAge: number): CookieSpec {
  const { secureCookies } = getConfig();
  return {
    name: pendingSignInName(secureCookies),
    value: token,
    httpOnly: true,
    secure: secureCookies,
    sameSite: "strict",
    path: PENDING_SIGN_IN_PATH,
    maxAge,
  };
}

export function setPendingSignInCookie(cookies: CookieWriter, token: string, expiresAt: Date): void {
  cookies.set(pendingSignInCookie(token, secondsUntil(expiresAt, new Date())));
}

export function clearPendingSignInCookie(cookies: CookieWriter): void {
  cookies.set(pendingSignInCookie("", 0));
}

export function readPendingSignInCookie(cookies: CookieReader): string | undefined {
  return cookies.get(pendingSignInName(getConfig().secureCookies))?.value;
}
