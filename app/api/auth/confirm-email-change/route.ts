import type { NextRequest } from "next/server";
import { confirmEmailChange } from "@/lib/auth/email-change";
import { clearLinkTokenCookie } from "@/lib/auth/edge/link-token-cookies";
import { confirmEmailChangeSchema, firstIssue } from "@/lib/auth/request-schemas";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Public, like verify-email: the link may be opened on a phone that is not signed in. The
// link itself is the credential (256 bits, single use, short-lived), issued to a signed-in,
// re-authenticated user for this one address (decision 0022).
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = confirmEmailChangeSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const result = await confirmEmailChange(getDb(), parsed.data.token, clientInfo(request));
  if (!result.ok && result.error === "email_taken") {
    // Told only to whoever holds the link, i.e. controls that mailbox: no enumeration.
    return jsonError(409, "email_taken", "Another account uses this address now, so yours was not changed.");
  }
  const response = result.ok
    ? json({ user: result.user })
    : jsonError(400, "invalid_token", "This link is invalid, expired or already used. Ask for a new one.");
  // Spent or useless either way (a 409's link stays valid, and is still in the mail).
  clearLinkTokenCookie(response.cookies, "confirm-email-change");
  return response;
});
