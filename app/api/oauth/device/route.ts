import type { NextRequest } from "next/server";
import { decideDeviceAuthorization, findPendingDevice } from "@/lib/auth/oauth/device-codes";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed } from "@/lib/http/oauth-responses";
import { jsonError, seeOther, unauthorized } from "@/lib/http/responses";

// The /device page's form: the signed-in user approves or denies a user code (RFC 8628 §3.3).
export async function POST(request: NextRequest) {
  const body = await readOAuthParams(request);
  if (!body.ok) return jsonError(400, "invalid_request", body.description);
  const { user_code: userCode, decision } = body.params;
  if (!userCode || (decision !== "approve" && decision !== "deny")) {
    return jsonError(400, "invalid_request", "Send user_code and decision=approve or deny.");
  }
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const db = getDb();
  const lookup = await findPendingDevice(db, userCode, { userId: current.user.id, client: clientInfo(request) });
  if (!lookup.ok) return seeOther("/device?result=expired");
  const decided = await decideDeviceAuthorization(db, lookup.device.id, current.user.id, decision === "approve");
  return seeOther(`/device?result=${decided ? (decision === "approve" ? "approved" : "denied") : "expired"}`);
}

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET };
