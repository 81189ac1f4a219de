import type { NextRequest } from "next/server";
import { revokeToken } from "@/lib/auth/oauth/revocation";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed, oauthError } from "@/lib/http/oauth-responses";
import { json } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// RFC 7009 §2.2: 200 whether or not the token was known; a JSON body so that clients
// that parse every answer (simple-oauth2) accept it.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readOAuthParams(request);
  if (!body.ok) return oauthError("invalid_request", body.description);
  const { token, client_id: clientId, client_secret: secret } = body.params;
  if (request.headers.has("authorization") || (secret !== undefined && secret !== "")) {
    return oauthError("invalid_client", "This is a public client: send client_id only.", {
      sentAuthorization: request.headers.has("authorization"),
    });
  }
  if (!token) return oauthError("invalid_request", "Send the token to revoke as the form parameter `token`.");
  await revokeToken(getDb(), token, clientId, clientInfo(request));
  return json({});
});

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
