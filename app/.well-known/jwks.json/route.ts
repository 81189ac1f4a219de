import { getKeyring } from "@/lib/auth/edge/keys";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Public keys for other services that verify our access tokens (EdDSA mode). Empty in
// HS256 mode: a shared secret is never published.
export const GET = answeringUnavailable(async function GET() {
  const { publicJwks } = await getKeyring();
  return Response.json({ keys: publicJwks }, { headers: { "Cache-Control": "public, max-age=300" } });
});
