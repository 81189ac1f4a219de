import { getCurrentSession } from "@/lib/auth/session/current";
import { json } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const GET = answeringUnavailable(async function GET() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  return json({
    user: current.user,
    session: { ...current.session, accessTokenExpiresAt: current.accessTokenExpiresAt },
  });
});
