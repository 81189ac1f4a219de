import type { NextRequest } from "next/server";
import { ACCOUNT_DISABLED_MESSAGE } from "@/lib/auth/account-status";
import { offerDeviceBinding } from "@/lib/auth/dbsc/binding";
import { takeDeviceId } from "@/lib/auth/devices";
import { notifySignIn } from "@/lib/auth/notifications";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { signInWithPasskey } from "@/lib/auth/passkeys/sign-in";
import { firstIssue, passkeySignInSchema } from "@/lib/auth/request-schemas";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { MAX_PASSKEY_BODY_BYTES, passkeyRefused } from "@/lib/http/passkey-responses";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Sign-in with a passkey: the same session start, cookies, JSON and device-binding offer
// as POST /api/auth/login.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request, MAX_PASSKEY_BODY_BYTES);
  if (!body.ok) return body.response;
  if (body.isForm) return jsonError(400, "invalid_request", "Send the passkey's answer as JSON.");
  const parsed = passkeySignInSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const client = clientInfo(request);
  const result = await signInWithPasskey(getDb(), parsed.data.response, client);
  if (!result.ok) {
    if ("failure" in result) return passkeyRefused(result.failure, "assertion");
    if (result.error === "rate_limited") return rateLimited(result.retryAfterSeconds);
    if (result.error === "account_disabled") return jsonError(403, "account_disabled", ACCOUNT_DISABLED_MESSAGE);
    return jsonError(403, "email_not_verified", "Confirm your email address before signing in.");
  }
  const response = json({ user: result.user });
  setAuthCookies(response.cookies, result.tokens);
  notifySignIn(
    getDb(),
    result.user,
    client,
    takeDeviceId(request.cookies, response.cookies),
    "Signed in with a passkey",
  );
  await offerDeviceBinding(response.headers, getDb(), result.tokens.sessionId);
  return response;
});
