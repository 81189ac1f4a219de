import { getCurrentSession } from "@/lib/auth/session/current";
import { sessionTimeline } from "@/lib/auth/session/timeline";
import { getDb } from "@/lib/db";
import { json } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The dashboard's token timeline: this session's expiries and rotation history.
export const GET = answeringUnavailable(async function GET() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const timeline = await sessionTimeline(getDb(), current.session.id);
  if (!timeline) return notSignedIn();
  return json({ ...timeline, accessTokenExpiresAt: current.accessTokenExpiresAt.toISOString() });
});
