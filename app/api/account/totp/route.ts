import type { NextRequest } from "next/server";
import { disableTotp } from "@/lib/auth/mfa/enrolment";
import { beginTotpEnrolment } from "@/lib/auth/mfa/totp";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { empty, json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// POST: a new pending authenticator (its secret shown once). DELETE: TOTP off.
export const POST = answeringUnavailable(async function POST() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const result = await beginTotpEnrolment(getDb(), current.user);
  if (!result.ok) {
    return jsonError(409, "totp_already_enabled", "Two-step sign-in is on already: remove it first to change the app.");
  }
  return json({ secret: result.secret, otpauthUri: result.otpauthUri });
});

export const DELETE = answeringUnavailable(async function DELETE(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  if (!(await disableTotp(getDb(), current.user.id, clientInfo(request)))) {
    return jsonError(404, "totp_not_enabled", "Two-step sign-in is not on.");
  }
  return empty();
});
