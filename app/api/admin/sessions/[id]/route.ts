import type { NextRequest } from "next/server";
import { adminRevokeSession } from "@/lib/auth/admin/actions";
import { getDb } from "@/lib/db";
import { authorizeAdmin, uuidParam } from "@/lib/http/admin-responses";
import { clientInfo } from "@/lib/http/client-info";
import { empty, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// DELETE /api/admin/sessions/{id}: ends one session of any user.
export const DELETE = answeringUnavailable(async function DELETE(
  request: NextRequest,
  { params }: { params: Promise<{ id: string }> },
) {
  const authorized = await authorizeAdmin();
  if (!authorized.ok) return authorized.response;
  const { admin } = authorized;
  const id = await uuidParam(params);
  if (!id || !(await adminRevokeSession(getDb(), admin, id, clientInfo(request)))) {
    return jsonError(404, "not_found", "No active session with this id.");
  }
  return empty();
});
