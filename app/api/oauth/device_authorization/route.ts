import type { NextRequest } from "next/server";
import { allowsGrant, findClient, GRANT, resolveScope } from "@/lib/auth/oauth/clients";
import { formatUserCode, startDeviceAuthorization } from "@/lib/auth/oauth/device-codes";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed, oauthError } from "@/lib/http/oauth-responses";
import { json } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// RFC 8628 §3.1–3.2.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readOAuthParams(request);
  if (!body.ok) return oauthError("invalid_request", body.description);
  const { client_id: clientId, client_secret: secret, scope: requested } = body.params;
  if (request.headers.has("authorization") || (secret !== undefined && secret !== "")) {
    return oauthError("invalid_client", "This is a public client: send client_id only.", {
      sentAuthorization: request.headers.has("authorization"),
    });
  }
  const db = getDb();
  const client = await findClient(db, clientId);
  if (!client) return oauthError("invalid_client", "Unknown client_id.");
  if (!allowsGrant(client, GRANT.deviceCode)) {
    return oauthError("unauthorized_client", "This client may not use the device grant.");
  }
  const scope = resolveScope(requested);
  if (!scope) return oauthError("invalid_scope", "Unknown scope.");
  const started = await startDeviceAuthorization(db, client, scope, clientInfo(request));
  if (!started.ok) {
    return oauthError("rate_limited", "Too many device authorizations from this address.", {
      retryAfterSeconds: started.retryAfterSeconds,
    });
  }
  const verificationUri = `${getConfig().appOrigin}/device`;
  return json(
    {
      device_code: started.deviceCode,
      user_code: formatUserCode(started.userCode),
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?${new URLSearchParams({ user_code: formatUserCode(started.userCode) })}`,
      expires_in: started.expiresIn,
      interval: started.interval,
    },
    { headers: { Pragma: "no-cache" } },
  );
});

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
