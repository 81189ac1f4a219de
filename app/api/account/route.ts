import type { NextRequest } from "next/server";
import { clearAuthCookies } from "@/lib/auth/edge/cookies";
import { deleteAccountSchema, firstIssue } from "@/lib/auth/request-schemas";
import { deleteAccount } from "@/lib/auth/delete-account";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { empty, jsonError, rateLimited } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const DELETE = answeringUnavailable(async (request: NextRequest) => {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = deleteAccountSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const result = await deleteAccount(getDb(), { userId: current.user.id }, parsed.data.password, clientInfo(request));
  if (!result.ok) {
    // 401 without the invalid_token challenge: the tokens are fine, so the browser's
    // fetch wrapper does not try to refresh them.
    return result.error === "rate_limited"
      ? rateLimited(result.retryAfterSeconds)
      : jsonError(401, "invalid_credentials", "The password is incorrect.");
  }
  const response = empty();
  clearAuthCookies(response.cookies);
  return response;
});
