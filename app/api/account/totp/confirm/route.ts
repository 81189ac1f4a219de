import type { NextRequest } from "next/server";
import { confirmTotp } from "@/lib/auth/mfa/enrolment";
import { firstIssue, totpConfirmSchema } from "@/lib/auth/request-schemas";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = totpConfirmSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const result = await confirmTotp(getDb(), current.user, parsed.data.code, clientInfo(request));
  if (!result.ok) {
    if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
    if (result.error === "totp_not_pending") {
      return jsonError(409, "totp_not_pending", "Start setting up an authenticator app first.");
    }
    return jsonError(401, "invalid_code", "That code is not right. Check the app's clock and try the next code.");
  }
  return json({ recoveryCodes: result.recoveryCodes });
});
