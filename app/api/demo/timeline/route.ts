import { getCurrentSession } from "@/lib/auth/session/current";
import { sessionTimeline } from "@/lib/auth/session/timeline";
import { getDb } from "@/lib/db";
import { json, unauthorized } from "@/lib/http/responses";

// The dashboard's token timeline: this session's expiries and rotation history.
export async function GET() {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const timeline = await sessionTimeline(getDb(), current.session.id);
  if (!timeline) return unauthorized();
  return json({ ...timeline, accessTokenExpiresAt: current.accessTokenExpiresAt.toISOString() });
}
