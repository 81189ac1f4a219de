// RFC 6749 §5.1 / §5.2 response shapes. Errors carry `message` too, the app's own field.
import type { TokenPair } from "../auth/token-pair";
import { json } from "./responses";

// §5.1: the token response must not be cached.
const NO_CACHE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export type TokenResponseOptions = { tokenType: "Bearer" | "DPoP"; scope: string | null };

/** The §5.1 fields, for the token endpoint and for any API that hands a token client new tokens. */
export function tokenFields(tokens: TokenPair, options: TokenResponseOptions, now = Date.now()) {
  return {
    access_token: tokens.accessToken,
    token_type: options.tokenType,
    expires_in: Math.max(0, Math.round((tokens.accessTokenExpiresAt.getTime() - now) / 1000)),
    refresh_token: tokens.refreshToken,
    // §5.1: the granted scope (RFC 6749 lets it be left out when it equals the request).
    ...(options.scope ? { scope: options.scope } : {}),
  };
}

export function tokenResponse(tokens: TokenPair, options: TokenResponseOptions, now = Date.now()) {
  return json(tokenFields(tokens, options, now), { headers: NO_CACHE });
}

/** §5.2 and its extensions: 401 for a failed client authentication, 429 for the app's limits. */
export function oauthError(
  error: string,
  description: string,
  options: { retryAfterSeconds?: number; sentAuthorization?: boolean } = {},
) {
  const status = error === "rate_limited" ? 429 : error === "invalid_client" ? 401 : 400;
  const headers: Record<string, string> = { ...NO_CACHE };
  if (options.retryAfterSeconds !== undefined) headers["Retry-After"] = String(options.retryAfterSeconds);
  // §5.2: a client that tried the Authorization header is answered with a challenge.
  if (error === "invalid_client" && options.sentAuthorization) headers["WWW-Authenticate"] = 'Basic realm="oauth"';
  return json({ error, error_description: description, message: description }, { status, headers });
}

/** 405 with the Allow header RFC 9110 §15.5.6 requires. */
export function methodNotAllowed(allow: string) {
  return json({ error: "method_not_allowed", message: `Use ${allow}.` }, { status: 405, headers: { Allow: allow } });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The answer to the consent form: a page that moves on to the client's redirect URI.
 * Not a 303: browsers apply the consent page's CSP `form-action 'self'` to the
 * redirects that follow a form submission, and the client (a loopback listener) is
 * another origin. A meta refresh is a new navigation, and needs no script.
 */
export function redirectDocument(location: string) {
  const href = escapeHtml(location);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Returning to the application</title></head><body><main><h1>Returning to the application…</h1><p><a href="${href}">Continue</a></p></main></body></html>`;
  return new Response(html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      // The URL carries the code: it must not leak as a Referer to the client's page.
      "Referrer-Policy": "no-referrer",
    },
  });
}
