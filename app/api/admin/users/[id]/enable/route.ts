import type { NextRequest } from "next/server";
import { enableAccount } from "@/lib/auth/admin/actions";
import { getDb } from "@/lib/db";
import { authorizeAdmin, uuidParam } from "@/lib/http/admin-responses";
import { clientInfo } from "@/lib/http/client-info";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// POST /api/admin/users/{id}/enable: enables the account again.
export const POST = answeringUnavailable(async function POST(
  request: NextRequest,
  { params }: { params: Promise<{ id: string }> },
) {
  const authorized = await authorizeAdmin();
  if (!authorized.ok) return authorized.response;
  const { admin } = authorized;
  const id = await uuidParam(params);
  if (!id || !(await enableAccount(getDb(), admin, id, clientInfo(request)))) {
    return jsonError(404, "user_not_found", "No account with this id.");
  }
  return json({ disabled: false });
});
