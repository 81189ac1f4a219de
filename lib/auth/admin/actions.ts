import "server-only";
import type { Db } from "../../db";
import { recordAuthEvent, type AuthEventType } from "../audit";
import type { ClientInfo } from "../client-info";
import { REVOKE_REASON } from "../session/lifecycle";
import type { CurrentSession } from "../session/current";

// What an administrator can do to accounts and sessions (issue 26, item 7; ASVS 7.4.5,
// 7.4.2). Each action is an audit event naming the administrator (in its detail, and
// their session in sessionId) and the target (its userId).

export type Admin = Pick<CurrentSession, "user" | "session">;

const live = (now: Date) => ({ revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } });

async function audit(
  db: Db,
  admin: Admin,
  client: ClientInfo,
  type: AuthEventType,
  userId: string | null,
  detail: string,
) {
  await recordAuthEvent(db, {
    type,
    userId,
    sessionId: admin.session.id,
    client,
    detail: `${detail} (by administrator ${admin.user.email}, ${admin.user.id})`,
  });
}

/** Ends one session of any user; false when there is no live session with this id. */
export async function adminRevokeSession(
  db: Db,
  admin: Admin,
  sessionId: string,
  client: ClientInfo,
): Promise<boolean> {
  const now = new Date();
  const session = await db.session.findFirst({ where: { id: sessionId, ...live(now) }, select: { userId: true } });
  if (!session) return false;
  const { count } = await db.session.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: now, revokedReason: REVOKE_REASON.admin },
  });
  if (count === 0) return false;
  await audit(db, admin, client, "admin_session_revoked", session.userId, `session ${sessionId} ended`);
  return true;
}

/** Ends every live session of a user; null when there is no such user. */
export async function adminRevokeUserSessions(
  db: Db,
  admin: Admin,
  userId: string,
  client: ClientInfo,
): Promise<number | null> {
  if (!(await db.user.findUnique({ where: { id: userId }, select: { id: true } }))) return null;
  const now = new Date();
  const { count } = await db.session.updateMany({
    where: { userId, ...live(now) },
    data: { revokedAt: now, revokedReason: REVOKE_REASON.admin },
  });
  await audit(db, admin, client, "admin_sessions_revoked", userId, `${count} session(s) ended`);
  return count;
}

/**
 * Logs everyone out: one UPDATE of every live session but the administrator's own
 * (they would otherwise lose the page that confirms it). Every door already refuses a
 * revoked session, so it takes effect on each session's next request; why an UPDATE and
 * not a "sessions issued before T" cut-off: docs/decisions/0023-administration.md.
 */
export async function adminRevokeAllSessions(db: Db, admin: Admin, client: ClientInfo): Promise<number> {
  const now = new Date();
  const { count } = await db.session.updateMany({
    where: { ...live(now), id: { not: admin.session.id } },
    data: { revokedAt: now, revokedReason: REVOKE_REASON.everyone },
  });
  await audit(db, admin, client, "admin_all_sessions_revoked", null, `everyone signed out: ${count} session(s) ended`);
  return count;
}

/**
 * Disables an account and ends its sessions. Two writes, in this order and not in one
 * transaction: disabledAt is committed before the revocation runs, so a session that
 * startSession creates meanwhile is either revoked here or refused by its own read after
 * the write (lib/auth/account-status.ts). Null when there is no such user.
 */
export async function disableAccount(
  db: Db,
  admin: Admin,
  userId: string,
  client: ClientInfo,
): Promise<{ revoked: number } | null> {
  const now = new Date();
  const user = await db.user.findUnique({ where: { id: userId }, select: { disabledAt: true } });
  if (!user) return null;
  await db.user.updateMany({ where: { id: userId, disabledAt: null }, data: { disabledAt: now } });
  const { count } = await db.session.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: now, revokedReason: REVOKE_REASON.accountDisabled },
  });
  await audit(db, admin, client, "account_disabled", userId, `account disabled, ${count} session(s) ended`);
  return { revoked: count };
}

/** Enables a disabled account again (its ended sessions stay ended). False: no such user. */
export async function enableAccount(db: Db, admin: Admin, userId: string, client: ClientInfo): Promise<boolean> {
  const { count } = await db.user.updateMany({ where: { id: userId }, data: { disabledAt: null } });
  if (count === 0) return false;
  await audit(db, admin, client, "account_enabled", userId, "account enabled");
  return true;
}
