import type { NextRequest } from "next/server";
import { changePassword } from "@/lib/auth/account";
import { presentedAccessToken } from "@/lib/auth/edge/bearer";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { changePasswordSchema, firstIssue } from "@/lib/auth/request-schemas";
import { notifyPasswordChanged } from "@/lib/auth/notifications";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { tokenFields } from "@/lib/http/oauth-responses";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async (request: NextRequest) => {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = changePasswordSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const client = clientInfo(request);
  const result = await changePassword(
    getDb(),
    { userId: current.user.id, sessionId: current.session.id },
    parsed.data,
    client,
  );
  // 401 without the invalid_token challenge: the tokens are fine, so the browser's
  // fetch wrapper does not try to refresh them.
  if (!result.ok && result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
  if (!result.ok) return jsonError(401, "invalid_credentials", "The current password is incorrect.");
  notifyPasswordChanged(getDb(), current.user, client, "changed");
  // The session's tokens were replaced; the caller gets the new ones the way it holds
  // tokens. A token-API client (bearer) has no cookie jar: it gets them in the JSON, as
  // from the token endpoint. A browser gets cookies (tokens never go to browsers in JSON).
  const presented = presentedAccessToken(request.headers, request.cookies);
  if (presented.kind === "token" && presented.viaBearer) {
    // A DPoP client's reissued tokens stay bound to its key (the session keeps the binding).
    const tokenType = presented.scheme === "dpop" ? "DPoP" : "Bearer";
    return json({ revokedSessions: result.revokedSessions, ...tokenFields(result.tokens, { tokenType, scope: null }) });
  }
  const response = json({ revokedSessions: result.revokedSessions });
  setAuthCookies(response.cookies, result.tokens);
  return response;
});
