import type { NextRequest } from "next/server";
import { firstIssue, verifyEmailSchema } from "@/lib/auth/request-schemas";
import { verifyEmail } from "@/lib/auth/recovery/email-verification";
import { clearLinkTokenCookie } from "@/lib/auth/edge/link-token-cookies";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = verifyEmailSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const verified = await verifyEmail(getDb(), parsed.data.token, clientInfo(request));
  const response = verified
    ? json({ verified: true })
    : jsonError(400, "invalid_token", "This verification link is invalid, expired or already used. Ask for a new one.");
  clearLinkTokenCookie(response.cookies, "verify-email");
  return response;
});
