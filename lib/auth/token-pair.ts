import "server-only";
import { signAccessToken, type AccessTokenSubject } from "./edge/tokens";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "./secret-token";

// What a session hands its holder: a refresh token, of which the database keeps only
// the hash, and an access token signed for the same session (docs/token-model.md).

export type TokenPair = {
  userId: string;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
};

/** What an OAuth client's session is tied to; all null for the browser sign-in. */
export type SessionBinding = { clientId: string | null; scope: string | null; dpopJkt: string | null };

export const UNBOUND: SessionBinding = { clientId: null, scope: null, dpopJkt: null };

/** Just the binding's columns, from a row that has more. */
export const bindingOf = (session: SessionBinding): SessionBinding => ({
  clientId: session.clientId,
  scope: session.scope,
  dpopJkt: session.dpopJkt,
});

/** A refresh token just issued, before its access token is signed. */
export type IssuedRefresh = Omit<TokenPair, "accessToken" | "accessTokenExpiresAt"> & { binding: SessionBinding };

export const REFRESH_TOKEN_PATTERN = SECRET_TOKEN_PATTERN;
/** A session's first refresh token (its successors are derived: lib/auth/refresh.ts). */
export const newRefreshToken = newSecretToken;
export const hashRefreshToken = hashSecretToken;

export async function issueTokenPair(base: IssuedRefresh, now: Date): Promise<TokenPair> {
  const subject: AccessTokenSubject = { userId: base.userId, sessionId: base.sessionId, ...base.binding };
  const access = await signAccessToken(subject, now);
  const { userId, sessionId, refreshToken, refreshTokenExpiresAt } = base;
  return {
    userId,
    sessionId,
    refreshToken,
    refreshTokenExpiresAt,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
  };
}
