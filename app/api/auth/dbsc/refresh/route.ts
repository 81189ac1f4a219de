import type { NextRequest } from "next/server";
import { z } from "zod";
import { challengeHeader, DBSC_HEADERS, refreshBoundSession } from "@/lib/auth/dbsc/binding";
import { clearAuthCookies, setAccessTokenCookie } from "@/lib/auth/edge/cookies";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { countProofFailure } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

const sessionIdHeader = z.string().min(1).max(64);

// DBSC refresh: called by the browser itself (never by page code) when the bound access
// cookie is missing or about to expire.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const sessionId = sessionIdHeader.safeParse(request.headers.get(DBSC_HEADERS.sessionId));
  if (!sessionId.success) {
    return jsonError(400, "invalid_request", `Name the session in ${DBSC_HEADERS.sessionId}.`);
  }
  const result = await refreshBoundSession(
    getDb(),
    sessionId.data,
    request.headers.get(DBSC_HEADERS.response),
    clientInfo(request),
  );
  switch (result.kind) {
    case "ended": {
      // Tells the browser to drop its key and stop holding requests for this session.
      // Chromium reads the answer as session instructions: without the identifier it
      // still drops the session, but as "invalid session id" instead of "server requested".
      const response = json({ session_identifier: sessionId.data, continue: false });
      clearAuthCookies(response.cookies);
      return response;
    }
    case "challenge":
      return jsonError(403, "proof_required", "Sign this challenge with the session's device key.", {
        [DBSC_HEADERS.challenge]: challengeHeader(result.challenge, sessionId.data),
      });
    case "rejected":
      countProofFailure("dbsc", result.failure);
      return jsonError(400, "invalid_proof", `The proof was refused (${result.failure}).`);
    case "rate_limited":
      return rateLimited(result.retryAfterSeconds);
    case "refreshed": {
      const response = json(result.instructions);
      setAccessTokenCookie(response.cookies, result.accessToken, result.accessTokenExpiresAt);
      return response;
    }
  }
});
