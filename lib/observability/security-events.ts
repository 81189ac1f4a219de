import "server-only";
import type { AuthEventType } from "../auth/audit";
import { logger } from "./log";
import { noteRequestSubject } from "./request-context";

// The OpenID Shared Signals vocabulary, for a SIEM to map the security event lines onto:
// CAEP (Continuous Access Evaluation Profile 1.0) and RISC (Risk Incident Sharing and
// Coordination) event types, by their URIs as a Security Event Token names them. Only
// where one fits; a failed attempt has no SSF event, and its line says what it was.
const CAEP = "https://schemas.openid.net/secevent/caep/event-type/";
const RISC = "https://schemas.openid.net/secevent/risc/event-type/";

const SSF_EVENTS: Partial<Record<AuthEventType, string>> = {
  login_succeeded: `${CAEP}session-established`,
  logout: `${CAEP}session-revoked`,
  session_revoked: `${CAEP}session-revoked`,
  admin_session_revoked: `${CAEP}session-revoked`,
  admin_sessions_revoked: `${RISC}sessions-revoked`,
  admin_all_sessions_revoked: `${RISC}sessions-revoked`,
  // A spent refresh token presented again: someone else holds a copy (the session is revoked).
  refresh_token_reused: `${RISC}credential-compromise`,
  password_changed: `${CAEP}credential-change`,
  password_reset: `${CAEP}credential-change`,
  totp_enabled: `${CAEP}credential-change`,
  totp_removed: `${CAEP}credential-change`,
  recovery_codes_regenerated: `${CAEP}credential-change`,
  passkey_added: `${CAEP}credential-change`,
  passkey_removed: `${CAEP}credential-change`,
  password_reset_requested: `${RISC}recovery-activated`,
  email_changed: `${RISC}identifier-changed`,
  account_disabled: `${RISC}account-disabled`,
  account_enabled: `${RISC}account-enabled`,
  account_deleted: `${RISC}account-purged`,
};

// Worth a look by whoever reads the log: failures of a credential, and theft.
const WARN: ReadonlySet<AuthEventType> = new Set([
  "login_failed",
  "mfa_failed",
  "reauth_failed",
  "dbsc_proof_failed",
  "passkey_sign_in_failed",
  "refresh_token_reused",
]);

/**
 * One line per security event, written with its audit row (lib/auth/audit.ts). `detail`
 * is the audit event's, which names no secret. Inside a transaction the line is written
 * once the row is, before the commit: should the commit then fail (the database gone),
 * the request's own line, with the same request id, shows the 503.
 */
export function logSecurityEvent(event: {
  type: AuthEventType;
  userId?: string | null;
  sessionId?: string | null;
  ip: string | null;
  detail?: string;
}): void {
  noteRequestSubject(event);
  const entry = {
    event: event.type,
    ssfEvent: SSF_EVENTS[event.type],
    userId: event.userId ?? undefined,
    sessionId: event.sessionId ?? undefined,
    ip: event.ip ?? undefined,
    detail: event.detail,
  };
  if (WARN.has(event.type)) logger().warn(entry, "security event");
  else logger().info(entry, "security event");
}
