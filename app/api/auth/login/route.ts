import type { NextRequest } from "next/server";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { firstIssue, loginSchema } from "@/lib/auth/request-schemas";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { offerDeviceBinding } from "@/lib/auth/dbsc/binding";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { safeNextPath } from "@/lib/http/next-path";
import { json, jsonError, rateLimited, seeOther } from "@/lib/http/responses";

const EMAIL_NOT_VERIFIED_MESSAGE =
  "Confirm your email address before signing in: follow the link we mailed you, or have it sent again.";

// A form post (no JavaScript) gets redirects; a fetch gets JSON.
function loginPageWithError(error: string, next: string) {
  return seeOther(`/login?${new URLSearchParams({ error, next })}`);
}

export async function POST(request: NextRequest) {
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

  const result = await signInWithPassword(getDb(), parsed.data, clientInfo(request));
  if (!result.ok) {
    if (body.isForm) return loginPageWithError(result.error, next);
    if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
    if (result.error === "email_not_verified") {
      return jsonError(403, "email_not_verified", EMAIL_NOT_VERIFIED_MESSAGE);
    }
    return jsonError(401, "invalid_credentials", "The email or password is incorrect.");
  }

  const response = body.isForm ? seeOther(next) : json({ user: result.user });
  setAuthCookies(response.cookies, result.tokens);
  await offerDeviceBinding(response.headers, getDb(), result.tokens.sessionId);
  return response;
}
