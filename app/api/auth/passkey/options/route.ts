import type { NextRequest } from "next/server";
import { passkeyAssertionOptions } from "@/lib/auth/passkeys/assertion";
import { credentialLessLimits } from "@/lib/auth/rate-limit";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json, rateLimited } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The options for navigator.credentials.get() on the sign-in page: a challenge for
// nobody in particular (the authenticator names the account). Nobody is signed in, and
// each call writes a row, so calls are counted per client address.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const limit = await credentialLessLimits.consumePasskeyOptions(getDb(), clientInfo(request).ip);
  if (limit.limited) return rateLimited(limit.retryAfterSeconds);
  return json(await passkeyAssertionOptions(getDb(), null));
});
