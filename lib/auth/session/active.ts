import "server-only";
import type { Db } from "../../db";
import { describeDevice, type Device } from "../../user-agent";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { deviceBinding, type DeviceBinding } from "../dbsc/binding";
import { REVOKE_REASON, revokeSession } from "./lifecycle";

export type ActiveSession = {
  id: string;
  device: Device;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  current: boolean;
  /** Set when the browser bound the session to a device key (DBSC). */
  binding: DeviceBinding;
};

const activeWhere = (userId: string, now: Date) => ({
  userId,
  revokedAt: null,
  idleExpiresAt: { gt: now },
  absoluteExpiresAt: { gt: now },
});

function namedClient(name: string): Device {
  return { browser: name, os: "API client", label: name };
}

/** A user's sessions that can still be used, most recently used first. */
export async function listActiveSessions(db: Db, userId: string, currentSessionId: string): Promise<ActiveSession[]> {
  const rows = await db.session.findMany({
    where: activeWhere(userId, new Date()),
    orderBy: { lastUsedAt: "desc" },
  });
  return rows.map((row) => ({
    id: row.id,
    device: row.clientName ? namedClient(row.clientName) : describeDevice(row.userAgent),
    ip: row.ip,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    current: row.id === currentSessionId,
    binding: deviceBinding(row),
  }));
}

/** Revokes one of the user's own sessions; false when it is not theirs or not active. */
export async function revokeUserSession(
  db: Db,
  userId: string,
  sessionId: string,
  client: ClientInfo,
): Promise<boolean> {
  const owned = await db.session.findFirst({ where: { id: sessionId, ...activeWhere(userId, new Date()) } });
  if (!owned || !(await revokeSession(db, sessionId, REVOKE_REASON.user))) return false;
  await recordAuthEvent(db, { type: "session_revoked", userId, sessionId, client, detail: "signed out remotely" });
  return true;
}

/** Revokes every active session of the user but the current one; returns how many. */
export async function revokeOtherSessions(
  db: Db,
  userId: string,
  currentSessionId: string,
  reason: string,
  client: ClientInfo,
): Promise<number> {
  const now = new Date();
  const { count } = await db.session.updateMany({
    where: { ...activeWhere(userId, now), id: { not: currentSessionId } },
    data: { revokedAt: now, revokedReason: reason },
  });
  if (count > 0) {
    await recordAuthEvent(db, {
      type: "session_revoked",
      userId,
      sessionId: currentSessionId,
      client,
      detail: `signed out ${count} other session${count === 1 ? "" : "s"}`,
    });
  }
  return count;
}
