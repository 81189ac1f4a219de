import type { NextRequest } from "next/server";
import { z } from "zod";
import { bindSession, DBSC_HEADERS } from "@/lib/auth/dbsc/binding";
import { readAuthCookies } from "@/lib/auth/edge/cookies";
import { verifyAccessToken } from "@/lib/auth/edge/tokens";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError, unauthorized } from "@/lib/http/responses";
import { countProofFailure } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

const proofHeader = z.string().min(1).max(8192);

// DBSC registration: the browser answers the offer made at sign-in with a proof that
// carries its new public key. The session is the one the access cookie names.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const proof = proofHeader.safeParse(request.headers.get(DBSC_HEADERS.response));
  if (!proof.success) {
    return jsonError(400, "invalid_proof", `Send the signed registration proof in ${DBSC_HEADERS.response}.`);
  }
  const { accessToken } = readAuthCookies(request.cookies);
  const claims = accessToken ? await verifyAccessToken(accessToken) : null;
  if (!claims) return unauthorized();

  const result = await bindSession(
    getDb(),
    { userId: claims.sub, sessionId: claims.sid },
    proof.data,
    clientInfo(request),
  );
  if (result.ok) return json(result.instructions);
  switch (result.error) {
    case "invalid_proof":
      countProofFailure("dbsc", result.failure);
      return jsonError(400, "invalid_proof", `The registration proof was refused (${result.failure}).`);
    case "invalid_challenge":
      countProofFailure("dbsc", "invalid_challenge");
      return jsonError(400, "invalid_challenge", "The proof does not answer a live challenge of this session.");
    case "already_bound":
      return jsonError(409, "already_bound", "This session is already bound to a device key.");
    case "session_inactive":
      return unauthorized("The session has ended. Sign in again.");
    case "not_bindable":
      return jsonError(403, "not_bindable", "Only a browser session may be bound to a device key.");
  }
});
