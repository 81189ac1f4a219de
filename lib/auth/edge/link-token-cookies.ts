// The token of a mailed link (reset password, verify email, confirm a new address) moves from the URL into a
// short-lived cookie before the page loads anything: the middleware answers the link
// with a redirect to the bare page, so the token never sits in the address bar, the
// history, or a Referer, and no script of the page ever sees it in location. Edge-safe.
import { getConfig } from "@/lib/config";
import type { CookieSpec } from "./cookies";

export type LinkPage = "reset-password" | "verify-email" | "confirm-email-change";

export const LINK_PAGES: Record<string, LinkPage> = {
  "/reset-password": "reset-password",
  "/verify-email": "verify-email",
  "/confirm-email-change": "confirm-email-change",
};

const COOKIE_BASE: Record<LinkPage, string> = {
  "reset-password": "password_reset",
  "verify-email": "email_verification",
  "confirm-email-change": "email_change",
};

// Long enough to type a new password; the link itself stays valid for its full TTL.
const STASH_SECONDS = 15 * 60;

const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

function cookieFor(page: LinkPage, value: string, maxAge: number): CookieSpec {
  const { secureCookies } = getConfig();
  const base = COOKIE_BASE[page];
  return {
    name: secureCookies ? `__Secure-${base}` : base,
    value,
    httpOnly: true,
    secure: secureCookies,
    // Lax: the link is opened from a mail client, a cross-site navigation, and the
    // redirected request must carry the cookie. Scoped to the page's own path.
    sameSite: "lax",
    path: `/${page}`,
    maxAge,
  };
}

type CookieWriter = { set(cookie: CookieSpec): unknown };
type CookieReader = { get(name: string): { value: string } | undefined };

/** False when the token is not even shaped like one (then nothing is stored). */
export function stashLinkToken(cookies: CookieWriter, page: LinkPage, token: string): boolean {
  if (!LINK_TOKEN_PATTERN.test(token)) return false;
  cookies.set(cookieFor(page, token, STASH_SECONDS));
  return true;
}

export function readLinkToken(cookies: CookieReader, page: LinkPage): string | undefined {
  return cookies.get(cookieFor(page, "", 0).name)?.value;
}

export function clearLinkTokenCookie(cookies: CookieWriter, page: LinkPage): void {
  cookies.set(cookieFor(page, "", 0));
}
