import { getCurrentSession } from "@/lib/auth/session/current";
import { json, unauthorized } from "@/lib/http/responses";

export async function GET() {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  return json({
    user: current.user,
    session: { ...current.session, accessTokenExpiresAt: current.accessTokenExpiresAt },
  });
}
