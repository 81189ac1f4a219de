// RFC 6749 §5.1 / §5.2 response shapes. Errors carry `message` too, the app's own field.
import type { OAuthError } from "../auth/oauth";
import type { TokenPair } from "../auth/refresh";
import { json } from "./responses";

// §5.1: the token response must not be cached.
const NO_CACHE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** The §5.1 fields, for the token endpoint and for any API that hands a token client new tokens. */
export function tokenFields(tokens: TokenPair, now = Date.now()) {
  return {
    access_token: tokens.accessToken,
    token_type: "Bearer",
    expires_in: Math.max(0, Math.round((tokens.accessTokenExpiresAt.getTime() - now) / 1000)),
    refresh_token: tokens.refreshToken,
  };
}

export function tokenResponse(tokens: TokenPair, now = Date.now()) {
  return json(tokenFields(tokens, now), { headers: NO_CACHE });
}

export function oauthError(error: OAuthError, description: string, retryAfterSeconds?: number) {
  const status = error === "rate_limited" ? 429 : 400;
  const headers: Record<string, string> = { ...NO_CACHE };
  if (retryAfterSeconds !== undefined) headers["Retry-After"] = String(retryAfterSeconds);
  return json({ error, error_description: description, message: description }, { status, headers });
}
