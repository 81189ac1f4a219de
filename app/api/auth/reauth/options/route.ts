import { passkeyReauthOptions } from "@/lib/auth/passkeys/step-up";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The options for navigator.credentials.get() when a signed-in user steps up with a
// passkey: a challenge tied to this session, listing only this user's passkeys.
export const POST = answeringUnavailable(async function POST() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  const result = await passkeyReauthOptions(getDb(), {
    userId: current.user.id,
    sessionId: current.session.id,
    accessVia: current.via === "cookie" ? "cookie" : "header",
  });
  if (!result.ok) {
    return result.error === "no_passkeys"
      ? jsonError(409, "no_passkeys", "This account has no passkey: confirm with your password or a code.")
      : jsonError(
          403,
          "not_reauthenticable",
          "This session cannot re-authenticate here; an app re-authenticates its user with a new authorization request.",
        );
  }
  return json(result.options);
});
