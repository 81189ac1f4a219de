import type { NextRequest } from "next/server";
import { ACCOUNT_DISABLED_MESSAGE, AccountDisabledError } from "@/lib/auth/account-status";
import { offerDeviceBinding } from "@/lib/auth/dbsc/binding";
import { takeDeviceId } from "@/lib/auth/devices";
import { notifySignIn } from "@/lib/auth/notifications";
import { clearPendingSignInCookie, readPendingSignInCookie, setAuthCookies } from "@/lib/auth/edge/cookies";
import { completePendingSignIn } from "@/lib/auth/mfa/pending-sign-in";
import { firstIssue, secondFactorSchema } from "@/lib/auth/request-schemas";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { safeNextPath } from "@/lib/http/next-path";
import { json, jsonError, rateLimited, seeOther } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// POST /api/auth/mfa: the second step of a sign-in (lib/auth/mfa/pending-sign-in.ts).
// A form post (no JavaScript) gets redirects; a fetch gets JSON, as at /api/auth/login.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const next = safeNextPath((body.value as { next?: unknown } | null)?.next);
  const parsed = secondFactorSchema.safeParse(body.value);
  if (!parsed.success) {
    return body.isForm
      ? seeOther(`/login/mfa?${new URLSearchParams({ error: "invalid_request", next })}`)
      : jsonError(400, "invalid_request", firstIssue(parsed.error));
  }
  const client = clientInfo(request);
  let result;
  try {
    result = await completePendingSignIn(
      getDb(),
      readPendingSignInCookie(request.cookies),
      { method: parsed.data.method, code: parsed.data.code },
      client,
    );
  } catch (error) {
    // Disabled between the password and the code (lib/auth/account-status.ts).
    if (!(error instanceof AccountDisabledError)) throw error;
    const response = body.isForm
      ? seeOther(`/login?${new URLSearchParams({ error: "account_disabled", next })}`)
      : jsonError(403, "account_disabled", ACCOUNT_DISABLED_MESSAGE);
    clearPendingSignInCookie(response.cookies);
    return response;
  }
  if (!result.ok) {
    if (result.error === "sign_in_expired") {
      const response = body.isForm
        ? seeOther(`/login?${new URLSearchParams({ error: "sign_in_expired", next })}`)
        : jsonError(401, "sign_in_expired", "This sign-in has expired or was completed already. Sign in again.");
      clearPendingSignInCookie(response.cookies);
      return response;
    }
    if (body.isForm) return seeOther(`/login/mfa?${new URLSearchParams({ error: result.error, next })}`);
    if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
    return jsonError(401, "invalid_code", "That code is not right, or it was used already.");
  }
  const response = body.isForm ? seeOther(next) : json({ user: result.user });
  setAuthCookies(response.cookies, result.tokens);
  clearPendingSignInCookie(response.cookies);
  const how = parsed.data.method === "totp" ? "an authenticator code" : "a recovery code";
  notifySignIn(
    getDb(),
    result.user,
    client,
    takeDeviceId(request.cookies, response.cookies),
    `Signed in with the password and ${how}`,
  );
  await offerDeviceBinding(response.headers, getDb(), result.tokens.sessionId);
  return response;
});
