import type { NextRequest } from "next/server";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { firstIssue, registerSchema } from "@/lib/auth/credentials";
import { registerUser } from "@/lib/auth/register";
import { offerDeviceBinding } from "@/lib/auth/dbsc";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError, rateLimited } from "@/lib/http/responses";

export async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = registerSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));

  const result = await registerUser(getDb(), parsed.data, clientInfo(request));
  if (!result.ok) {
    return result.error === "rate_limited"
      ? rateLimited(result.retryAfterSeconds)
      : jsonError(409, "email_taken", "An account with this email already exists. Sign in instead.");
  }
  const response = json({ user: result.user }, { status: 201 });
  setAuthCookies(response.cookies, result.tokens);
  await offerDeviceBinding(response.headers, getDb(), result.tokens.sessionId);
  return response;
}
