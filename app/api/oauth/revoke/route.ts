import type { NextRequest } from "next/server";
import { signOut } from "@/lib/auth/sign-out";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { oauthError } from "@/lib/http/oauth-responses";
import { empty } from "@/lib/http/responses";

// RFC 7009: revokes the session a refresh (or access) token belongs to, and answers 200
// whether or not the token was known, so the answer tells an attacker nothing.
export async function POST(request: NextRequest) {
  const body = await readBody(request);
  const token = body.ok && body.isForm ? (body.value as { token?: unknown }).token : undefined;
  if (typeof token !== "string" || token.length === 0) {
    return oauthError("invalid_request", "Send the token to revoke as the form parameter `token`.");
  }
  await signOut(getDb(), { refreshToken: token, accessToken: token }, clientInfo(request));
  return empty(200);
}
