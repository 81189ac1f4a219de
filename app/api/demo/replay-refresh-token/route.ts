import type { NextRequest } from "next/server";
import { replayPreviousRefreshToken } from "@/lib/auth/refresh";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

// "Replay an old refresh token": the server presents this session's previous generation
// to the real reuse check, as an attacker holding a stolen copy would. The session is
// revoked as theft; the browser learns it on its next refresh, like a real victim.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const result = await replayPreviousRefreshToken(getDb(), current.session.id, clientInfo(request));
  if (result.ok) return json({ sessionRevoked: true });
  if (result.error === "no_previous_token") {
    return jsonError(409, "no_previous_token", "This session has not rotated its refresh token yet. Refresh first.");
  }
  return jsonError(
    409,
    "within_grace",
    `The previous token was used moments ago, inside the reuse grace window, where a replay counts as a retry. Try again in ${result.retryAfterSeconds ?? 1} s.`,
    { "Retry-After": String(result.retryAfterSeconds ?? 1) },
  );
});
