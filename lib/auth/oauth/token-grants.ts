import "server-only";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { ACCOUNT_DISABLED_MESSAGE } from "../account-status";
import { CHANNEL } from "../bindings";
import type { ClientInfo } from "../client-info";
import { emailSchema } from "../request-schemas";
import { dpopHeader, verifyDpopProof } from "../edge/dpop";
import { MAX_PASSWORD_LENGTH } from "../password-rules";
import type { RefreshFailure } from "../refresh";
import type { TokenPair } from "../token-pair";
import { throttledRefresh } from "../throttled-refresh";
import { signInWithPassword } from "../sign-in";
import { redeemAuthorizationCode } from "./authorization-codes";
import { allowsGrant, findClient, GRANT, type GrantType, type OAuthClient } from "./clients";
import { pollDeviceAuthorization, type DevicePollError } from "./device-codes";
import { rememberProofJti } from "./dpop-replay";

// The token endpoint (RFC 6749 §3.2): authorization_code + PKCE, the device grant,
// refresh_token, and the legacy password grant only when OAUTH_PASSWORD_GRANT=enabled.
// Every grant may be DPoP-bound (RFC 9449 §5).

export type OAuthError =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_dpop_proof"
  | DevicePollError
  | "rate_limited";

export type GrantResult =
  | { ok: true; tokens: TokenPair; scope: string | null; tokenType: "Bearer" | "DPoP" }
  | { ok: false; error: OAuthError; description: string; retryAfterSeconds?: number };

export type TokenRequest = {
  params: Record<string, string>;
  headers: Headers;
  client: ClientInfo;
};

type GrantFailure = Extract<GrantResult, { ok: false }>;

const fail = (error: OAuthError, description: string): GrantFailure => ({ ok: false, error, description });

/**
 * Public clients do not authenticate (RFC 6749 §2.3). A secret or a Basic header means
 * the client believes it has credentials we never issued: refused rather than ignored.
 * An empty client_secret is no secret (§2.3.1 lets clients send it that way).
 */
function sentCredentials(request: TokenRequest): boolean {
  const { params, headers } = request;
  return (
    headers.has("authorization") ||
    (params.client_secret !== undefined && params.client_secret !== "") ||
    params.client_assertion !== undefined
  );
}

async function clientFor(db: Db, params: Record<string, string>, grant: GrantType): Promise<OAuthClient | GrantResult> {
  const client = await findClient(db, params.client_id);
  if (!client) return fail("invalid_client", "Unknown client_id.");
  if (!allowsGrant(client, grant)) return fail("unauthorized_client", `This client may not use ${grant}.`);
  return client;
}

const isResult = (value: OAuthClient | GrantResult): value is GrantResult => "ok" in value;

/** The DPoP key a request proved, null without a proof, or the error for a bad proof. */
async function proofKey(db: Db, headers: Headers): Promise<{ jkt: string | null } | GrantResult> {
  const proofJwt = dpopHeader(headers);
  if (proofJwt === undefined) return { jkt: null };
  if (proofJwt === "multiple") return fail("invalid_dpop_proof", "Send one DPoP header.");
  const { appOrigin, clockLeewaySeconds } = getConfig();
  const checked = await verifyDpopProof(proofJwt, {
    request: { method: "POST", url: `${appOrigin}/api/oauth/token` },
    leewaySeconds: clockLeewaySeconds,
  });
  if (!checked.ok) return fail("invalid_dpop_proof", `The DPoP proof is not valid: ${checked.reason}.`);
  if (!(await rememberProofJti(db, checked.proof)))
    return fail("invalid_dpop_proof", "The DPoP proof was used before.");
  return { jkt: checked.proof.jkt };
}

const issued = (tokens: TokenPair, scope: string | null, jkt: string | null): GrantResult => ({
  ok: true,
  tokens,
  scope,
  tokenType: jkt ? "DPoP" : "Bearer",
});

export async function exchangeGrant(db: Db, request: TokenRequest): Promise<GrantResult> {
  const { params } = request;
  if (params.grant_type === undefined) return fail("invalid_request", "grant_type is required.");
  if (sentCredentials(request)) {
    return fail("invalid_client", "This is a public client: send client_id only, no secret or Authorization header.");
  }
  const key = await proofKey(db, request.headers);
  if ("ok" in key) return key;
  switch (params.grant_type) {
    case GRANT.authorizationCode:
      return authorizationCodeGrant(db, request, key.jkt);
    case GRANT.deviceCode:
      return deviceCodeGrant(db, request, key.jkt);
    case GRANT.refreshToken:
      return refreshTokenGrant(db, request, key.jkt);
    case "password":
      if (getConfig().oauthPasswordGrant) return passwordGrant(db, request);
      return fail(
        "unsupported_grant_type",
        "The password grant is off (RFC 9700 §2.4). Use authorization_code or the device grant.",
      );
    default:
      return fail("unsupported_grant_type", "Use authorization_code, the device_code grant or refresh_token.");
  }
}

async function authorizationCodeGrant(db: Db, request: TokenRequest, jkt: string | null): Promise<GrantResult> {
  const { params } = request;
  const client = await clientFor(db, params, GRANT.authorizationCode);
  if (isResult(client)) return client;
  if (!params.code) return fail("invalid_request", "code is required.");
  if (!params.code_verifier) return fail("invalid_request", "code_verifier is required (PKCE, RFC 7636).");
  const result = await redeemAuthorizationCode(
    db,
    {
      code: params.code,
      clientId: client.id,
      redirectUri: params.redirect_uri,
      codeVerifier: params.code_verifier,
      dpopJkt: jkt,
    },
    { ...request.client, clientName: client.name },
  );
  return result.ok ? issued(result.tokens, result.scope, jkt) : fail("invalid_grant", result.description);
}

const DEVICE_MESSAGES: Record<DevicePollError, string> = {
  authorization_pending: "The user has not answered yet.",
  slow_down: "Polling too fast: wait the interval plus 5 seconds.",
  access_denied: "The user denied the request.",
  expired_token: "The device code has expired; start again.",
  invalid_grant: "The device code is not valid.",
};

async function deviceCodeGrant(db: Db, request: TokenRequest, jkt: string | null): Promise<GrantResult> {
  const { params } = request;
  const client = await clientFor(db, params, GRANT.deviceCode);
  if (isResult(client)) return client;
  if (!params.device_code) return fail("invalid_request", "device_code is required.");
  const result = await pollDeviceAuthorization(
    db,
    { deviceCode: params.device_code, clientId: client.id, dpopJkt: jkt },
    { ...request.client, clientName: client.name },
  );
  return result.ok ? issued(result.tokens, result.scope, jkt) : fail(result.error, DEVICE_MESSAGES[result.error]);
}

// How a refused refresh is answered at the token endpoint (RFC 6749 §5.2, RFC 9449 §5).
const REFRESH_REFUSALS: Record<RefreshFailure, { error: OAuthError; description: string }> = {
  invalid_refresh_token: { error: "invalid_grant", description: "The refresh token is not valid." },
  refresh_token_reused: {
    error: "invalid_grant",
    description: "The refresh token was already used; the session has been revoked.",
  },
  session_expired: { error: "invalid_grant", description: "The session has expired." },
  wrong_channel: { error: "invalid_grant", description: "This refresh token is not one the token endpoint issued." },
  wrong_client: { error: "invalid_grant", description: "The refresh token was issued to another client." },
  dpop_proof_required: {
    error: "invalid_dpop_proof",
    description: "This refresh token is DPoP-bound: send a proof made with the same key.",
  },
  scope_widened: { error: "invalid_scope", description: "A refresh cannot widen the scope." },
  session_bound: { error: "invalid_grant", description: "The session is bound to a device key." },
};

async function refreshTokenGrant(db: Db, request: TokenRequest, jkt: string | null): Promise<GrantResult> {
  const { params } = request;
  if (!params.refresh_token) return fail("invalid_request", "The refresh_token grant needs refresh_token.");
  // §5.2: a client_id we do not know is a client that failed to authenticate. (No
  // client_id at all is the legacy password grant's session, judged by the binding.)
  if (params.client_id !== undefined && !(await findClient(db, params.client_id))) {
    return fail("invalid_client", "Unknown client_id.");
  }
  // Client, DPoP key and scope are the session's bindings, judged with the rotation by
  // lib/auth/bindings.ts: a refused request spends nothing.
  const result = await throttledRefresh(db, params.refresh_token, request.client, "token_api", {
    door: "token_refresh",
    presented: { clientId: params.client_id ?? null, dpopJkt: jkt, scope: params.scope },
  });
  if (!result.ok) {
    if (result.error === "rate_limited") {
      return { ...fail("rate_limited", "Too many failed refreshes."), retryAfterSeconds: result.retryAfterSeconds };
    }
    const refusal = REFRESH_REFUSALS[result.error];
    return fail(refusal.error, refusal.description);
  }
  return issued(result.tokens, result.tokens.scope, jkt);
}

async function passwordGrant(db: Db, request: TokenRequest): Promise<GrantResult> {
  const { params } = request;
  // RFC 6749 §4.3 calls it username; `email` is accepted as well.
  const email = emailSchema.safeParse(params.username ?? params.email);
  const password = params.password;
  if (!email.success || !password || [...password].length > MAX_PASSWORD_LENGTH) {
    return fail("invalid_request", "The password grant needs username and password.");
  }
  const clientName = params.client_name?.trim().slice(0, 100) || null;
  const result = await signInWithPassword(
    db,
    { email: email.data, password },
    { ...request.client, clientName },
    CHANNEL.tokenApi,
  );
  if (result.ok) return issued(result.tokens, null, null);
  if (result.error === "rate_limited") {
    return { ...fail("rate_limited", "Too many failed attempts."), retryAfterSeconds: result.retryAfterSeconds };
  }
  if (result.error === "account_disabled") return fail("invalid_grant", ACCOUNT_DISABLED_MESSAGE);
  if (result.error === "second_factor_required") {
    return fail(
      "invalid_grant",
      "This account has two-step sign-in, which the password grant cannot complete: use the authorization code or device flow.",
    );
  }
  return fail("invalid_grant", "The email or password is incorrect.");
}
