import { after, type NextRequest } from "next/server";
import { emailOnlySchema, firstIssue } from "@/lib/auth/request-schemas";
import { resendVerificationMail } from "@/lib/auth/recovery/email-verification";
import { mailLimits } from "@/lib/auth/rate-limit";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { ACCEPTED_FOR_MAIL, mailUnavailable, sendInBackground } from "@/lib/http/mail-responses";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { canSendMail } from "@/lib/mail";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Public (a user refused at sign-in is not signed in), so it answers like forgot-password.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = emailOnlySchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  if (!canSendMail()) return mailUnavailable("Email verification");

  const db = getDb();
  const client = clientInfo(request);
  const limit = await mailLimits.consumeResend(db, parsed.data.email, client.ip);
  if (limit.limited) return rateLimited(limit.retryAfterSeconds);
  after(sendInBackground("verification", () => resendVerificationMail(db, parsed.data.email, client)));
  return json(ACCEPTED_FOR_MAIL, { status: 202 });
});
