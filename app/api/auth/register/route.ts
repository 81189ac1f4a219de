import { after, type NextRequest } from "next/server";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { firstIssue, registerSchema } from "@/lib/auth/request-schemas";
import { sendVerificationMail } from "@/lib/auth/recovery/email-verification";
import { registerUser } from "@/lib/auth/register";
import { offerDeviceBinding } from "@/lib/auth/dbsc/binding";
import { takeDeviceId } from "@/lib/auth/devices";
import { rememberRegistrationDevice } from "@/lib/auth/notifications";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { sendInBackground } from "@/lib/http/mail-responses";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async (request: NextRequest) => {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = registerSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const db = getDb();
  const client = clientInfo(request);
  const result = await registerUser(db, parsed.data, client);
  if (!result.ok) {
    return result.error === "rate_limited"
      ? rateLimited(result.retryAfterSeconds)
      : jsonError(409, "email_taken", "An account with this email already exists. Sign in instead.");
  }
  const { user, tokens } = result;
  after(sendInBackground("verification", () => sendVerificationMail(db, user, client)));
  // Without tokens (REQUIRE_VERIFIED_EMAIL=true) the user signs in after verifying.
  const response = json({ user, verificationRequired: tokens === null }, { status: 201 });
  if (tokens) setAuthCookies(response.cookies, tokens);
  // The browser that created the account is its first known device: no "new device" mail.
  if (tokens) rememberRegistrationDevice(db, user.id, client, takeDeviceId(request.cookies, response.cookies));
  if (tokens) await offerDeviceBinding(response.headers, db, tokens.sessionId);
  return response;
});
