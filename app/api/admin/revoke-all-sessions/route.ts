import type { NextRequest } from "next/server";
import { adminRevokeAllSessions } from "@/lib/auth/admin/actions";
import { getDb } from "@/lib/db";
import { authorizeAdmin } from "@/lib/http/admin-responses";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { readBody } from "@/lib/http/body";
import { answeringUnavailable } from "@/lib/http/unavailable";

// POST /api/admin/revoke-all-sessions {"confirm": "everyone"}: logs everyone out but the
// administrator. The confirmation is the "asks once more" of the page, kept by the API too,
// so a stray or replayed POST without it ends nobody's session.
export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  const authorized = await authorizeAdmin();
  if (!authorized.ok) return authorized.response;
  const { admin } = authorized;
  const body = await readBody(request);
  if (!body.ok) return body.response;
  if ((body.value as { confirm?: unknown } | null)?.confirm !== "everyone") {
    return jsonError(400, "invalid_request", 'Send {"confirm": "everyone"} to sign everyone out.');
  }
  return json({ revoked: await adminRevokeAllSessions(getDb(), admin, clientInfo(request)) });
});
