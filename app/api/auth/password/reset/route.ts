import type { NextRequest } from "next/server";
import { ACCOUNT_DISABLED_MESSAGE } from "@/lib/auth/account-status";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { clearLinkTokenCookie } from "@/lib/auth/edge/link-token-cookies";
import { firstIssue, passwordResetSchema } from "@/lib/auth/request-schemas";
import { notifyPasswordChanged } from "@/lib/auth/notifications";
import { resetPassword } from "@/lib/auth/recovery/password-reset";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async (request: NextRequest) => {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = passwordResetSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const client = clientInfo(request);
  const result = await resetPassword(getDb(), parsed.data, client);
  const response = result.ok
    ? json({ user: result.user, signedIn: result.tokens !== null })
    : result.error === "account_disabled"
      ? jsonError(403, "account_disabled", ACCOUNT_DISABLED_MESSAGE)
      : jsonError(400, "invalid_token", "This reset link is invalid, expired or already used. Ask for a new one.");
  if (result.ok) {
    if (result.tokens) setAuthCookies(response.cookies, result.tokens);
    notifyPasswordChanged(getDb(), result.user, client, "reset");
  }
  // Spent either way: a used or expired token in the cookie is of no further use.
  clearLinkTokenCookie(response.cookies, "reset-password");
  return response;
});
