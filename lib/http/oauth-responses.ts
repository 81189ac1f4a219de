// RFC 6749 §5.1 / §5.2 response shapes. Errors carry `message` too, the app's own field.
import type { OAuthError } from "../auth/oauth";
import type { TokenPair } from "../auth/refresh";
import { json } from "./responses";

// §5.1: the token response must not be cached.
const NO_CACHE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export function tokenResponse(tokens: TokenPair, now = Date.now()) {
  return json(
    {
      access_token: tokens.accessToken,
      token_type: "Bearer",
      expires_in: Math.max(0, Math.round((tokens.accessTokenExpiresAt.getTime() - now) / 1000)),
      refresh_token: tokens.refreshToken,
    },
    { headers: NO_CACHE },
  );
}

export function oauthError(error: OAuthError, description: string, retryAfterSeconds?: number) {
  const status = error === "rate_limited" ? 429 : 400;
  const headers: Record<string, string> = { ...NO_CACHE };
  if (retryAfterSeconds !== undefined) headers["Retry-After"] = String(retryAfterSeconds);
  return json({ error, error_description: description, message: description }, { status, headers });
}
