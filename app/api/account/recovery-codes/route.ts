import type { NextRequest } from "next/server";
import { newRecoveryCodes } from "@/lib/auth/mfa/enrolment";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// POST: ten new recovery codes, shown once; the old ones stop working.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const codes = await newRecoveryCodes(getDb(), current.user.id, clientInfo(request));
  if (!codes) return jsonError(409, "totp_not_enabled", "Recovery codes come with two-step sign-in: turn it on first.");
  return json({ recoveryCodes: codes });
});
