import { after, type NextRequest } from "next/server";
import { sendEmailChangeMail } from "@/lib/auth/email-change";
import { mailLimits } from "@/lib/auth/rate-limit";
import { changeEmailSchema, firstIssue } from "@/lib/auth/request-schemas";
import { getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { mailUnavailable, sendInBackground } from "@/lib/http/mail-responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { json, jsonError, rateLimited } from "@/lib/http/responses";
import { canSendMail } from "@/lib/mail";
import { answeringUnavailable } from "@/lib/http/unavailable";

// Asks to move the account to a new address: a link goes there, and nothing changes until
// it is opened (POST /api/auth/confirm-email-change). The same 202 whether or not the
// address has an account (decision 0022).
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  // Moving the account's address is a takeover in one step: a session alone is not enough.
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = changeEmailSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const { newEmail } = parsed.data;
  if (newEmail === current.user.email) {
    return jsonError(400, "same_email", "That is already your address. Enter the new one.");
  }
  if (!canSendMail()) return mailUnavailable("Changing the email address");

  const db = getDb();
  const client = clientInfo(request);
  const limit = await mailLimits.consumeEmailChange(db, current.user.id, newEmail, client.ip);
  if (limit.limited) return rateLimited(limit.retryAfterSeconds);
  after(sendInBackground("email change", () => sendEmailChangeMail(db, current.user, newEmail, client)));
  return json(
    {
      newEmail,
      message: `A link is on its way to ${newEmail}. Your address changes when you open it; until then it stays ${current.user.email}.`,
    },
    { status: 202 },
  );
});
