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
  admin_session_revoked: "An administrator signed one of your sessions out",
  admin_sessions_revoked: "An administrator signed all your sessions out",
  admin_all_sessions_revoked: "An administrator signed everyone out",
  account_disabled: "An administrator disabled the account",
  account_enabled: "An administrator enabled the account again",
  email_change_requested: "Change of email address asked for; a confirmation link was mailed",
  email_changed: "Email address changed (the old address was told)",
  mfa_required: "Password accepted; a code from the authenticator was asked for",
  mfa_failed: "Failed sign-in attempt (wrong code)",
  reauthenticated: "Confirmed it was you before a sensitive change",
  reauth_failed: "Failed attempt to confirm it was you",
  totp_enabled: "Authenticator app (two-step sign-in) turned on",
  totp_removed: "Authenticator app (two-step sign-in) turned off",
  recovery_codes_regenerated: "New recovery codes made; the old ones no longer work",
  recovery_code_used: "A recovery code was used",
  passkey_added: "Passkey added",
  passkey_renamed: "Passkey renamed",
  passkey_removed: "Passkey removed",
  passkey_sign_in_failed: "Failed sign-in attempt with a passkey",
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
