import "server-only";
import type { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentAdmin } from "../auth/admin/access";
import type { CurrentSession } from "../auth/session/current";
import { demandRecentAuthentication } from "../auth/step-up";
import { jsonError } from "./responses";

// The admin routes' shared answers (docs/decisions/0023-administration.md).

/** Everyone who is not an administrator, signed in or not: the admin surface does not exist. */
export const adminNotFound = (): NextResponse => jsonError(404, "not_found", "Not found.");

/**
 * The first step of every admin route: an administrator with a recent authentication
 * (step-up, lib/auth/step-up.ts), or the response to answer: 404 for everyone else, and
 * for an administrator whose sign-in is too old the step-up answer (403
 * reauthentication_required; the page asks again in place).
 */
export async function authorizeAdmin(): Promise<
  { ok: true; admin: CurrentSession } | { ok: false; response: NextResponse }
> {
  const admin = await getCurrentAdmin();
  if (!admin) return { ok: false, response: adminNotFound() };
  const stepUp = demandRecentAuthentication(admin);
  return stepUp ? { ok: false, response: stepUp } : { ok: true, admin };
}

/** Ids are UUIDs: anything else is a 404 that never reaches the database. */
export async function uuidParam(params: Promise<{ id: string }>): Promise<string | null> {
  const id = z.uuid().safeParse((await params).id);
  return id.success ? id.data : null;
}
