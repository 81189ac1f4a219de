import "server-only";
import { parseMethods, type Authentication } from "./edge/authentication";
import { noteRequestSubject } from "../observability/request-context";
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
  /** The scope granted to the session's client; null for the browser and the password grant. */
  scope: string | null;
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
export type IssuedRefresh = Omit<TokenPair, "accessToken" | "accessTokenExpiresAt" | "scope"> & {
  binding: SessionBinding;
  /** The session's last authentication (auth_time, amr); a refresh keeps it. */
  authentication: Authentication;
};

export const REFRESH_TOKEN_PATTERN = SECRET_TOKEN_PATTERN;
/** A session's first refresh token (its successors are derived: lib/auth/refresh.ts). */
export const newRefreshToken = newSecretToken;
export const hashRefreshToken = hashSecretToken;

export async function issueTokenPair(base: IssuedRefresh, now: Date): Promise<TokenPair> {
  const subject: AccessTokenSubject = {
    userId: base.userId,
    sessionId: base.sessionId,
    ...base.binding,
    authentication: base.authentication,
  };
  const access = await signAccessToken(subject, now);
  const { userId, sessionId, refreshToken, refreshTokenExpiresAt } = base;
  // Whoever signed in, refreshed or redeemed a grant: the request's log line names them.
  noteRequestSubject({ userId, sessionId });
  return {
    userId,
    sessionId,
    refreshToken,
    refreshTokenExpiresAt,
    scope: base.binding.scope,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
  };
}

/** A session row's last authentication, as the token pair carries it. */
export const authenticationOf = (session: { authenticatedAt: Date | string; authMethods: string }): Authentication => ({
  at: new Date(session.authenticatedAt),
  methods: parseMethods(session.authMethods),
});
