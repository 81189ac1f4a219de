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
  refresh_token_grace: "A refresh was retried within the grace window",
  password_reset_requested: "Password reset link sent by mail",
  password_reset: "Password reset by mail; every session signed out",
  email_verification_sent: "Verification mail sent",
  email_verified: "Email address verified",
  account_deleted: "Account deleted",
  dbsc_bound: "This browser bound its session to a device key",
  dbsc_proof_failed: "A device-key proof for a session was refused",
};

// Recorded for audits, not shown: two tabs refreshing at once is routine, not news.
const HIDDEN: AuthEventType[] = ["refresh_token_grace"];

export type ActivityEntry = { id: string; at: Date; text: string; ip: string | null };

/** The user's recent authentication events, in words, newest first. */
export async function recentActivity(db: Db, userId: string, take = 10): Promise<ActivityEntry[]> {
  const events = await db.authEvent.findMany({
    where: { userId, type: { notIn: HIDDEN } },
    orderBy: { createdAt: "desc" },
    take,
  });
  return events.map((event) => ({
    id: event.id,
    at: event.createdAt,
    ip: event.ip,
    text: DESCRIPTIONS[event.type as AuthEventType] ?? event.type,
  }));
}
