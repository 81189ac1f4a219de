import { authorizationServerMetadata } from "@/lib/auth/oauth/metadata";
import { answeringUnavailable } from "@/lib/http/unavailable";

// RFC 8414 §3: the authorization server's metadata, issuer = APP_URL.
export const GET = answeringUnavailable(function GET() {
  return Response.json(authorizationServerMetadata(), { headers: { "Cache-Control": "public, max-age=300" } });
});
