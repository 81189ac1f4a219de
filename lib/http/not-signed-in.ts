import "server-only";
import type { NextResponse } from "next/server";
import { currentSessionChallenge } from "@/lib/auth/session/current";
import { unauthorized } from "./responses";

/**
 * The 401 of every route that found no session with getCurrentSession(): the
 * WWW-Authenticate challenge follows the request's scheme (RFC 6750 §3, RFC 9449 §7.1),
 * so no route picks one of its own.
 */
export async function notSignedIn(message?: string): Promise<NextResponse> {
  return unauthorized(message, await currentSessionChallenge());
}
