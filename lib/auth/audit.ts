import "server-only";
import type { Db } from "../db";
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
  | "dbsc_proof_failed";

// Accepts the client or a transaction client, so an event commits with the change it records.
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
}
