import type { NextRequest } from "next/server";
import { setAuthCookies } from "@/lib/auth/edge/cookies";
import { reauthenticateWithPasskey } from "@/lib/auth/passkeys/step-up";
import { reauthenticate } from "@/lib/auth/reauth";
import { firstIssue, reauthSchema } from "@/lib/auth/request-schemas";
import { getCurrentSession } from "@/lib/auth/session/current";
import { stepUpExpiresAt } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { MAX_PASSKEY_BODY_BYTES, passkeyRefused } from "@/lib/http/passkey-responses";
import { answeringUnavailable } from "@/lib/http/unavailable";
import { json, jsonError, rateLimited } from "@/lib/http/responses";

// POST /api/auth/reauth: step-up re-authentication with the password, a code
// (lib/auth/reauth.ts) or a passkey (lib/auth/passkeys/step-up.ts).
export const POST = answeringUnavailable(async (request: NextRequest) => {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  // A passkey's answer is larger than a password.
  const body = await readBody(request, MAX_PASSKEY_BODY_BYTES);
  if (!body.ok) return body.response;
  const parsed = reauthSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const caller = {
    userId: current.user.id,
    sessionId: current.session.id,
    accessVia: current.via === "cookie" ? ("cookie" as const) : ("header" as const),
  };
  const proof = parsed.data;
  const result =
    "password" in proof
      ? await reauthenticate(getDb(), caller, { method: "password", password: proof.password }, clientInfo(request))
      : proof.method === "passkey"
        ? await reauthenticateWithPasskey(getDb(), caller, proof.response, clientInfo(request))
        : await reauthenticate(getDb(), caller, { method: proof.method, code: proof.code }, clientInfo(request));
  // 401s without the invalid_token challenge: the tokens are fine, so the browser's fetch
  // wrapper does not try to refresh them.
  if (!result.ok) {
    switch (result.error) {
      case "passkey_refused":
        return passkeyRefused(result.failure, "assertion");
      case "rate_limited":
        return rateLimited(result.retryAfterSeconds);
      case "invalid_credentials":
        return jsonError(401, "invalid_credentials", "The password is incorrect.");
      case "invalid_code":
        return jsonError(401, "invalid_code", "That code is not right, or it was used already.");
      case "second_factor_required":
        return jsonError(
          400,
          "second_factor_required",
          "This account has two-step sign-in: confirm with a code from your authenticator app or a recovery code.",
        );
      case "not_reauthenticable":
        return jsonError(
          403,
          "not_reauthenticable",
          "This session cannot re-authenticate here; an app re-authenticates its user with a new authorization request.",
        );
    }
  }
  const response = json({
    authTime: result.authentication.at.toISOString(),
    amr: result.authentication.methods,
    stepUpExpiresAt: stepUpExpiresAt(result.authentication.at).toISOString(),
  });
  setAuthCookies(response.cookies, result.tokens);
  return response;
});
