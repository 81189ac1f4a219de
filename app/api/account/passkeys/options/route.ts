import { passkeyRegistrationOptions } from "@/lib/auth/passkeys/registration";
import { currentSessionPasses, getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { browserSessionRequired } from "@/lib/http/passkey-responses";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// The options for navigator.credentials.create(): a challenge tied to this session.
export const POST = answeringUnavailable(async function POST() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  if (!currentSessionPasses(current, "account_credentials")) return browserSessionRequired();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const result = await passkeyRegistrationOptions(getDb(), {
    userId: current.user.id,
    email: current.user.email,
    sessionId: current.session.id,
  });
  if (!result.ok) return jsonError(409, "too_many_passkeys", "This account has as many passkeys as it may have.");
  return json(result.options);
});
