import type { NextRequest } from "next/server";
import { z } from "zod";
import { getCurrentSession } from "@/lib/auth/session/current";
import { revokeUserSession } from "@/lib/auth/session/active";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { empty, jsonError } from "@/lib/http/responses";
import { notSignedIn } from "@/lib/http/not-signed-in";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const DELETE = answeringUnavailable(async function DELETE(
  request: NextRequest,
  { params }: { params: Promise<{ id: string }> },
) {
  const current = await getCurrentSession();
  if (!current) return notSignedIn();
  // Parsed like any other input (session ids are UUIDs): a NUL byte or a 10 KB segment
  // never reaches the database, whose errors would be 500s.
  const id = z.uuid().safeParse((await params).id);
  // Someone else's session, a session that does not exist and an id that cannot exist
  // look the same: 404.
  if (!id.success || !(await revokeUserSession(getDb(), current.user.id, id.data, clientInfo(request)))) {
    return jsonError(404, "not_found", "No active session with this id.");
  }
  return empty();
});
