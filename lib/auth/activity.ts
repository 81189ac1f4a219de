import "server-only";
import type { Db } from "../db";
import type { AuthEventType } from "./audit";

const DESCRIPTIONS: Record<AuthEventType, string> = {
  registered: "Account created",
  login_succeeded: "Signed in",
  login_failed: "Failed sign-in attempt (wrong password)",
  logout: "Signed out",
  refresh_token_reused: "A refresh token was used twice; that session was signed out to be safe",
  session_revoked: "Signed a session out remotely",
  password_changed: "Password changed; other sessions signed out",
  dbsc_bound: "This browser bound its session to a device key",
  dbsc_proof_failed: "A device-key proof for a session was refused",
};

export type ActivityEntry = { id: string; at: Date; text: string; ip: string | null };

/** The user's recent authentication events, in words, newest first. */
export async function recentActivity(db: Db, userId: string, take = 10): Promise<ActivityEntry[]> {
  const events = await db.authEvent.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take });
  return events.map((event) => ({
    id: event.id,
    at: event.createdAt,
    ip: event.ip,
    text: DESCRIPTIONS[event.type as AuthEventType] ?? event.type,
  }));
}
