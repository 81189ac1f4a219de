import type { NextRequest } from "next/server";
import { REVOKE_REASON } from "@/lib/auth/session/lifecycle";
import { getCurrentSession } from "@/lib/auth/session/current";
import { revokeOtherSessions } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json, unauthorized } from "@/lib/http/responses";

export async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const revoked = await revokeOtherSessions(
    getDb(),
    current.user.id,
    current.session.id,
    REVOKE_REASON.user,
    clientInfo(request),
  );
  return json({ revoked });
}
