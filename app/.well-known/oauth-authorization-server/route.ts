import { authorizationServerMetadata } from "@/lib/auth/oauth/metadata";

// RFC 8414 §3: the authorization server's metadata, issuer = APP_URL.
export function GET() {
  return Response.json(authorizationServerMetadata(), { headers: { "Cache-Control": "public, max-age=300" } });
}
