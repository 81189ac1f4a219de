import "server-only";
import type { Db } from "../db";
import { logSecurityEvent } from "../observability/security-events";
import type { ClientInfo } from "./client-info";

export type AuthEventType =
  | "login_succeeded"
  | "login_failed"
  | "logout"
  | "refresh_token_reused"
  | "refresh_token_grace"
  | "session_revoked"
  | "password_changed"
  | "registered"
  | "password_reset_requested"
  | "password_reset"
  | "email_verification_sent"
  | "email_verified"
  | "account_deleted"
  | "dbsc_bound"
  | "dbsc_proof_failed"
  // Administration (lib/auth/admin/actions.ts): each names the administrator in its detail.
  | "admin_session_revoked"
  | "admin_sessions_revoked"
  | "admin_all_sessions_revoked"
  | "account_disabled"
  | "account_enabled"
  | "email_change_requested"
  | "email_changed"
  // Second factor and step-up (issue 23).
  | "mfa_required"
  | "mfa_failed"
  | "reauthenticated"
  | "reauth_failed"
  | "totp_enabled"
  | "totp_removed"
  | "recovery_codes_regenerated"
  | "recovery_code_used"
  | "passkey_added"
  | "passkey_renamed"
  | "passkey_removed"
  | "passkey_sign_in_failed";

// Accepts the client or a transaction client, so an event commits with the change it records.
// Each is also a line in the log, for a SIEM (lib/observability/security-events.ts).
type EventWriter = Pick<Db, "authEvent">;

export async function recordAuthEvent(
  db: EventWriter,
  event: {
    type: AuthEventType;
    userId?: string | null;
    sessionId?: string | null;
    client: ClientInfo;
    detail?: string;
    now?: Date;
  },
): Promise<void> {
  await db.authEvent.create({
    data: {
      type: event.type,
      userId: event.userId ?? null,
      sessionId: event.sessionId ?? null,
      ip: event.client.ip,
      userAgent: event.client.userAgent,
      detail: event.detail ?? null,
      createdAt: event.now ?? new Date(),
    },
  });
  logSecurityEvent({ ...event, ip: event.client.ip });
}
