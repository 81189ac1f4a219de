import type { NextRequest } from "next/server";
import { getCurrentSession } from "@/lib/auth/session";
import { revokeUserSession } from "@/lib/auth/user-sessions";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { empty, jsonError, unauthorized } from "@/lib/http/responses";

export async function DELETE(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const { id } = await params;
  // Someone else's session and a session that does not exist look the same: 404.
  if (!(await revokeUserSession(getDb(), current.user.id, id, clientInfo(request)))) {
    return jsonError(404, "not_found", "No active session with this id.");
  }
  return empty();
}
