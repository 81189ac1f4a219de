import type { NextRequest } from "next/server";
import { exchangeGrant } from "@/lib/auth/oauth";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { oauthError, tokenResponse } from "@/lib/http/oauth-responses";

// RFC 6749 §4.3 (password) and §6 (refresh_token); form-encoded only (§3.2).
export async function POST(request: NextRequest) {
  const body = await readBody(request);
  if (!body.ok || !body.isForm) {
    return oauthError("invalid_request", "Send the parameters as application/x-www-form-urlencoded.");
  }
  const result = await exchangeGrant(getDb(), body.value as Record<string, unknown>, clientInfo(request));
  return result.ok
    ? tokenResponse(result.tokens)
    : oauthError(result.error, result.description, result.retryAfterSeconds);
}
