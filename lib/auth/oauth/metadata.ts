import "server-only";
import { getConfig } from "../../config";
import { DPOP_ALGORITHMS } from "../edge/dpop";
import { GRANT, SUPPORTED_SCOPES } from "./clients";

/** RFC 8414 §2 authorization server metadata. */
export function authorizationServerMetadata() {
  const issuer = getConfig().appOrigin;
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/api/oauth/token`,
    device_authorization_endpoint: `${issuer}/api/oauth/device_authorization`,
    revocation_endpoint: `${issuer}/api/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: [GRANT.authorizationCode, GRANT.deviceCode, GRANT.refreshToken],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    scopes_supported: [...SUPPORTED_SCOPES],
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    // RFC 9207: the redirect carries iss, so a client can tell which server answered.
    authorization_response_iss_parameter_supported: true,
  };
}
