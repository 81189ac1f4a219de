import { getKeyring } from "@/lib/auth/edge/keys";

// Public keys for other services that verify our access tokens (EdDSA mode). Empty in
// HS256 mode: a shared secret is never published.
export async function GET() {
  const { publicJwks } = await getKeyring();
  return Response.json({ keys: publicJwks }, { headers: { "Cache-Control": "public, max-age=300" } });
}
