import type { NextRequest } from "next/server";
import { findUserByEmail } from "@/lib/auth/admin/lookup";
import { emailSchema, firstIssue } from "@/lib/auth/request-schemas";
import { getDb } from "@/lib/db";
import { authorizeAdmin } from "@/lib/http/admin-responses";
import { json, jsonError } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

// GET /api/admin/users?email=: the account with this email.
export const GET = answeringUnavailable(async function GET(request: NextRequest) {
  const authorized = await authorizeAdmin();
  if (!authorized.ok) return authorized.response;
  const email = emailSchema.safeParse(request.nextUrl.searchParams.get("email") ?? undefined);
  if (!email.success) return jsonError(400, "invalid_request", firstIssue(email.error));
  const user = await findUserByEmail(getDb(), email.data);
  if (!user) return jsonError(404, "user_not_found", "No account has this email address.");
  return json({ user });
});
