import { getUserDetail } from "@/lib/auth/admin/lookup";
import { getDb } from "@/lib/db";
import { authorizeAdmin, uuidParam } from "@/lib/http/admin-responses";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// GET /api/admin/users/{id}: the account, its live sessions and recent audit events.
export const GET = answeringUnavailable(async function GET(
  _request: Request,
  { params }: { params: Promise<{ id: string }> },
) {
  const authorized = await authorizeAdmin();
  if (!authorized.ok) return authorized.response;
  const id = await uuidParam(params);
  const user = id && (await getUserDetail(getDb(), id));
  if (!user) return jsonError(404, "user_not_found", "No account with this id.");
  return json({ user });
});
