import { getCurrentSession } from "@/lib/auth/session/current";
import { listActiveSessions } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { json } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const GET = answeringUnavailable(async function GET() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  return json({ sessions: await listActiveSessions(getDb(), current.user.id, current.session.id) });
});
