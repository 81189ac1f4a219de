import { getCurrentSession } from "@/lib/auth/session/current";
import { listActiveSessions } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { json, unauthorized } from "@/lib/http/responses";

export async function GET() {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  return json({ sessions: await listActiveSessions(getDb(), current.user.id, current.session.id) });
}
