import "server-only";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { CODE_CHALLENGE } from "./authorization-codes";
import { allowsGrant, findClient, GRANT, isAllowedRedirectUri, resolveScope, type OAuthClient } from "./clients";

// Validation of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3), shared by the
// consent page and the form it posts, which checks everything again.

export type RawParams = Record<string, string | string[] | undefined>;

export type ValidAuthorization = {
  client: OAuthClient;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scope: string;
};

export type AuthorizeCheck =
  | { ok: true; request: ValidAuthorization }
  // §4.1.2.1: without a trusted redirect URI the error is shown, never redirected.
  | { ok: false; show: string }
  | { ok: false; redirectTo: string };

/** The redirect back to the client, with `iss` (RFC 9207) and the client's `state`. */
export function clientRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set("iss", getConfig().appOrigin);
  return url.href;
}

export async function checkAuthorizeRequest(db: Db, raw: RawParams): Promise<AuthorizeCheck> {
  const single = (name: string) => (typeof raw[name] === "string" ? raw[name] : undefined);
  const clientId = single("client_id");
  const redirectUri = single("redirect_uri");
  const client = await findClient(db, clientId);
  if (!client) return { ok: false, show: "The application that sent you here is not registered." };
  if (!redirectUri || !isAllowedRedirectUri(client, redirectUri)) {
    return { ok: false, show: "The application asked to send you to an address it has not registered." };
  }
  const state = single("state");
  const error = (code: string, description: string): AuthorizeCheck => ({
    ok: false,
    redirectTo: clientRedirect(redirectUri, { error: code, error_description: description, state }),
  });
  if (Object.values(raw).some((value) => Array.isArray(value))) {
    return error("invalid_request", "A parameter is repeated (RFC 6749 §3.1).");
  }
  if (single("response_type") !== "code") return error("unsupported_response_type", "Only response_type=code.");
  if (!allowsGrant(client, GRANT.authorizationCode)) {
    return error("unauthorized_client", "This client may not use the authorization code grant.");
  }
  // PKCE is required and only S256: "plain" would send the verifier itself through the
  // browser, where the code can be intercepted too (RFC 7636 §7.2, RFC 9700 §2.1.1).
  if (single("code_challenge_method") !== "S256") {
    return error("invalid_request", "code_challenge_method must be S256 (PKCE is required).");
  }
  const codeChallenge = single("code_challenge");
  if (!codeChallenge || !CODE_CHALLENGE.test(codeChallenge)) {
    return error("invalid_request", "code_challenge must be base64url(SHA-256(code_verifier)).");
  }
  const scope = resolveScope(single("scope"));
  if (!scope) return error("invalid_scope", "Unknown scope.");
  return { ok: true, request: { client, redirectUri, state, codeChallenge, scope } };
}
