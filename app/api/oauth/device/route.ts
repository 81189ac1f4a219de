import type { NextRequest } from "next/server";
import {
  decideDeviceAuthorization,
  deviceCodeTicket,
  findPendingDevice,
  formatUserCode,
} from "@/lib/auth/oauth/device-codes";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed } from "@/lib/http/oauth-responses";
import { jsonError, seeOther } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The /device page's forms (RFC 8628 §3.3): the signed-in user sends the code (a counted
// attempt; the answer is the approval page, with a ticket that lets it show the request),
// then approves or denies it (counted again: the form can be posted by hand).
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readOAuthParams(request);
  if (!body.ok) return jsonError(400, "invalid_request", body.description);
  const { user_code: userCode, decision } = body.params;
  if (!userCode || (decision !== undefined && decision !== "approve" && decision !== "deny")) {
    return jsonError(400, "invalid_request", "Send user_code, and decision=approve or deny to answer it.");
  }
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const db = getDb();
  const lookup = await findPendingDevice(db, userCode, { userId: current.user.id, client: clientInfo(request) });
  if (decision === undefined) {
    if (!lookup.ok) {
      // Back to the form with the code as typed, to be corrected rather than typed again.
      const result = lookup.error === "rate_limited" ? "rate_limited" : "invalid";
      return seeOther(`/device?${new URLSearchParams({ result, user_code: userCode.slice(0, 20) })}`);
    }
    const { userCode: code } = lookup.device;
    const ticket = deviceCodeTicket(current.session.id, code);
    return seeOther(`/device?${new URLSearchParams({ user_code: formatUserCode(code), ticket })}`);
  }
  if (!lookup.ok) return seeOther("/device?result=expired");
  const decided = await decideDeviceAuthorization(
    db,
    lookup.device.id,
    current.user.id,
    decision === "approve",
    new Date(),
    current.session.authentication,
  );
  return seeOther(`/device?result=${decided ? (decision === "approve" ? "approved" : "denied") : "expired"}`);
});

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET };
