import type { NextRequest } from "next/server";
import { ACCOUNT_DISABLED_MESSAGE } from "@/lib/auth/account-status";
import { setAuthCookies, setPendingSignInCookie } from "@/lib/auth/edge/cookies";
import { firstIssue, loginSchema } from "@/lib/auth/request-schemas";
import { PasswordPoolBusyError } from "@/lib/auth/password";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { offerDeviceBinding } from "@/lib/auth/dbsc/binding";
import { takeDeviceId } from "@/lib/auth/devices";
import { notifySignIn } from "@/lib/auth/notifications";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { safeNextPath } from "@/lib/http/next-path";
import { json, jsonError, overloaded, rateLimited, seeOther } from "@/lib/http/responses";
import { countSignIn } from "@/lib/observability/metrics";
import { answeringUnavailable } from "@/lib/http/unavailable";

const EMAIL_NOT_VERIFIED_MESSAGE =
  "Confirm your email address before signing in: follow the link we mailed you, or have it sent again.";

// A form post (no JavaScript) gets redirects; a fetch gets JSON.
function loginPageWithError(error: string, next: string) {
  return seeOther(`/login?${new URLSearchParams({ error, next })}`);
}

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const next = safeNextPath(
    (body.value as { next?: unknown } | null)?.next ?? request.nextUrl.searchParams.get("next"),
  );

  const parsed = loginSchema.safeParse(body.value);
  if (!parsed.success) {
    return body.isForm
      ? loginPageWithError("invalid_request", next)
      : jsonError(400, "invalid_request", firstIssue(parsed.error));
  }

  const client = clientInfo(request);
  let result;
  try {
    result = await signInWithPassword(getDb(), parsed.data, client);
  } catch (error) {
    if (error instanceof PasswordPoolBusyError) return overloaded(error.retryAfterSeconds);
    throw error;
  }
  countSignIn(result);
  if (!result.ok && result.error === "mfa_required") {
    // Only the pending-sign-in cookie: no session and no token exist until the code is right.
    const response = body.isForm
      ? seeOther(`/login/mfa?${new URLSearchParams({ next })}`)
      : json({ mfa_required: true, methods: result.methods }, { status: 202 });
    setPendingSignInCookie(response.cookies, result.pending.token, result.pending.expiresAt);
    return response;
  }
  if (!result.ok) {
    if (body.isForm) return loginPageWithError(result.error, next);
    if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
    if (result.error === "account_disabled") return jsonError(403, "account_disabled", ACCOUNT_DISABLED_MESSAGE);
    if (result.error === "email_not_verified") {
      return jsonError(403, "email_not_verified", EMAIL_NOT_VERIFIED_MESSAGE);
    }
    return jsonError(401, "invalid_credentials", "The email or password is incorrect.");
  }

  const response = body.isForm ? seeOther(next) : json({ user: result.user });
  setAuthCookies(response.cookies, result.tokens);
  // A browser this account has not used before gets the account's address told, after the answer.
  notifySignIn(
    getDb(),
    result.user,
    client,
    takeDeviceId(request.cookies, response.cookies),
    "Signed in with the password",
  );
  await offerDeviceBinding(response.headers, getDb(), result.tokens.sessionId);
  return response;
});
