import { clearAccessCookie } from "@/lib/auth/edge/cookies";
import { getCurrentSession } from "@/lib/auth/session/current";
import { json } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

// "Drop my access token now": the next API call meets a 401 and the fetch wrapper has to
// refresh, as it would after a real expiry. The refresh cookie is left alone.
export const POST = answeringUnavailable(async function POST() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const response = json({ dropped: true });
  clearAccessCookie(response.cookies);
  return response;
});
