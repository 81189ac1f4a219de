import type { NextRequest } from "next/server";
import { REVOKE_REASON } from "@/lib/auth/session/lifecycle";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { revokeOtherSessions } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const revoked = await revokeOtherSessions(
    getDb(),
    current.user.id,
    current.session.id,
    REVOKE_REASON.user,
    clientInfo(request),
  );
  return json({ revoked });
});
