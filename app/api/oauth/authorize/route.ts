import type { NextRequest } from "next/server";
import { createAuthorizationCode } from "@/lib/auth/oauth/authorization-codes";
import { checkAuthorizeRequest, clientRedirect } from "@/lib/auth/oauth/authorize-request";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { readOAuthParams } from "@/lib/http/oauth-request";
import { methodNotAllowed, redirectDocument } from "@/lib/http/oauth-responses";
import { jsonError, seeOther } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The consent form's target: the user's Approve or Deny (RFC 6749 §4.1.2). Same-origin
// form posts only (the middleware's CSRF check), and the signed-in user decides.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readOAuthParams(request);
  if (!body.ok) return jsonError(400, "invalid_request", body.description);
  const { decision, ...params } = body.params;
  const current = await getCurrentSession();
  if (!current) return seeOther(`/oauth/authorize?${new URLSearchParams(params)}`);
  const db = getDb();
  const check = await checkAuthorizeRequest(db, params);
  if (!check.ok) {
    return "redirectTo" in check ? redirectDocument(check.redirectTo) : jsonError(400, "invalid_request", check.show);
  }
  const { redirectUri, state } = check.request;
  if (decision === "approve") {
    const code = await createAuthorizationCode(db, {
      ...check.request,
      userId: current.user.id,
      authentication: current.session.authentication,
    });
    return redirectDocument(clientRedirect(redirectUri, { code, state }));
  }
  if (decision === "deny") {
    return redirectDocument(
      clientRedirect(redirectUri, { error: "access_denied", error_description: "The user denied access.", state }),
    );
  }
  return jsonError(400, "invalid_request", "decision must be approve or deny.");
});

const notAllowed = () => methodNotAllowed("POST");
export { notAllowed as GET };
