import type { NextRequest } from "next/server";
import { exchangeGrant } from "@/lib/auth/oauth/token-grants";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed, oauthError, tokenResponse } from "@/lib/http/oauth-responses";
import { countTokenRequest } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

// RFC 6749 §3.2: form-encoded, POST only.
export const POST = answeringUnavailable(async (request: NextRequest) => {
  const body = await readOAuthParams(request);
  if (!body.ok) {
    countTokenRequest(undefined, { ok: false, error: "invalid_request" });
    return oauthError("invalid_request", body.description);
  }
  const result = await exchangeGrant(getDb(), {
    params: body.params,
    headers: request.headers,
    client: clientInfo(request),
  });
  countTokenRequest(body.params.grant_type, result);
  return result.ok
    ? tokenResponse(result.tokens, { tokenType: result.tokenType, scope: result.scope })
    : oauthError(result.error, result.description, {
        retryAfterSeconds: result.retryAfterSeconds,
        sentAuthorization: request.headers.has("authorization"),
      });
});

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
