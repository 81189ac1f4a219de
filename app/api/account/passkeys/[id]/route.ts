import type { NextRequest } from "next/server";
import { removePasskey, renamePasskey } from "@/lib/auth/passkeys/manage";
import { firstIssue, renamePasskeySchema } from "@/lib/auth/request-schemas";
import { currentSessionPasses, getCurrentSession } from "@/lib/auth/session/current";
import { demandRecentAuthentication } from "@/lib/auth/step-up";
import { getDb } from "@/lib/db";
import { readBody } from "@/lib/http/body";
import { clientInfo } from "@/lib/http/client-info";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { browserSessionRequired } from "@/lib/http/passkey-responses";
import { empty, json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

type Params = { params: Promise<{ id: string }> };

const notFound = () => jsonError(404, "not_found", "No such passkey on this account.");

// Passkey ids are UUIDs; anything else (a NUL byte PostgreSQL would refuse, a path) is
// answered as unknown before it reaches a query.
const PASSKEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const passkeyId = async (params: Params["params"]) => {
  const { id } = await params;
  return PASSKEY_ID.test(id) ? id : null;
};

export const PATCH = answeringUnavailable(async function PATCH(request: NextRequest, { params }: Params) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  if (!currentSessionPasses(current, "account_credentials")) return browserSessionRequired();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const parsed = renamePasskeySchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, "invalid_request", firstIssue(parsed.error));
  const id = await passkeyId(params);
  if (!id) return notFound();
  const who = { userId: current.user.id, sessionId: current.session.id };
  const passkey = await renamePasskey(getDb(), who, id, parsed.data.name, clientInfo(request));
  return passkey ? json({ passkey }) : notFound();
});

export const DELETE = answeringUnavailable(async function DELETE(request: NextRequest, { params }: Params) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  if (!currentSessionPasses(current, "account_credentials")) return browserSessionRequired();
  const stepUp = demandRecentAuthentication(current);
  if (stepUp) return stepUp;
  const id = await passkeyId(params);
  if (!id) return notFound();
  const who = { userId: current.user.id, sessionId: current.session.id };
  return (await removePasskey(getDb(), who, id, clientInfo(request))) ? empty() : notFound();
});
