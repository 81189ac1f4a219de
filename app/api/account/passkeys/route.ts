import type { NextRequest } from "next/server";
import { listPasskeys } from "@/lib/auth/passkeys/manage";
import { registerPasskey } from "@/lib/auth/passkeys/registration";
import { addPasskeySchema, firstIssue } from "@/lib/auth/request-schemas";
import { currentSessionPasses, getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { browserSessionRequired, MAX_PASSKEY_BODY_BYTES, passkeyRefused } from "@/lib/http/passkey-responses";
import { json, jsonError } from "@/lib/http/responses";
import { describeDevice } from "@/lib/user-agent";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const GET = answeringUnavailable(async function GET() {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  return json({ passkeys: await listPasskeys(getDb(), current.user.id) });
});

// The authenticator's answer to the options of POST /api/account/passkeys/options.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  if (!currentSessionPasses(current, "account_credentials")) return browserSessionRequired();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request, MAX_PASSKEY_BODY_BYTES);
  if (!body.ok) return body.response;
  const parsed = addPasskeySchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const client = clientInfo(request);
  // Named after the device it was added on until the user names it.
  const name = parsed.data.name ?? describeDevice(client.userAgent).label;
  const result = await registerPasskey(
    getDb(),
    { userId: current.user.id, email: current.user.email, sessionId: current.session.id },
    parsed.data.response,
    name,
    client,
  );
  if (!result.ok) return passkeyRefused(result.failure, "registration");
  return json({ passkey: result.passkey }, { status: 201 });
});
