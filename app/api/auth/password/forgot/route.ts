import { after, type NextRequest } from "next/server";
import { emailOnlySchema, firstIssue } from "@/lib/auth/request-schemas";
import { sendPasswordResetMail } from "@/lib/auth/recovery/password-reset";
import { mailLimits } from "@/lib/auth/rate-limit";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { canSendMail } from "@/lib/mail";
import { ACCEPTED_FOR_MAIL, mailUnavailable, sendInBackground } from "@/lib/http/mail-responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = emailOnlySchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  if (!canSendMail()) return mailUnavailable("Password reset by email");

  const db = getDb();
  const client = clientInfo(request);
  const limit = await mailLimits.consumeForgot(db, parsed.data.email, client.ip);
  if (limit.limited) return rateLimited(limit.retryAfterSeconds);
  // Looking the account up, and mailing, happen after the answer: same body, same time.
  after(sendInBackground("password reset", () => sendPasswordResetMail(db, parsed.data.email, client)));
  return json(ACCEPTED_FOR_MAIL, { status: 202 });
});
