import "server-only";
import type { Db } from "../../db";
import { describeDevice } from "../../user-agent";
import { CHANNEL } from "../bindings";

// What an administrator sees of a user: the account, its live sessions, recent audit events.

export type AdminUserSummary = { id: string; email: string; createdAt: Date; disabledAt: Date | null };

export type AdminSessionView = {
  id: string;
  device: string;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  channel: string;
  /** Bound to a device key (DBSC) or a DPoP key. */
  bound: boolean;
};

export type AdminEventView = { id: string; type: string; createdAt: Date; ip: string | null; detail: string | null };

export type AdminUserDetail = AdminUserSummary & { sessions: AdminSessionView[]; events: AdminEventView[] };

const RECENT_EVENTS = 50;
const USER_FIELDS = { id: true, email: true, createdAt: true, disabledAt: true } as const;

/** The user with exactly this (normalised) email, or null. */
export async function findUserByEmail(db: Db, email: string): Promise<AdminUserSummary | null> {
  return db.user.findUnique({ where: { email }, select: USER_FIELDS });
}

export async function getUserDetail(db: Db, userId: string, now = new Date()): Promise<AdminUserDetail | null> {
  const user = await db.user.findUnique({ where: { id: userId }, select: USER_FIELDS });
  if (!user) return null;
  const [sessions, events] = await Promise.all([
    db.session.findMany({
      where: { userId, revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
      orderBy: { lastUsedAt: "desc" },
    }),
    db.authEvent.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take: RECENT_EVENTS }),
  ]);
  return {
    ...user,
    sessions: sessions.map((s) => ({
      id: s.id,
      device: s.clientName ?? describeDevice(s.userAgent).label,
      ip: s.ip,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      channel: s.channel === CHANNEL.tokenApi ? "token API" : "browser",
      bound: s.dbscThumbprint !== null || s.dpopJkt !== null,
    })),
    events: events.map(({ id, type, createdAt, ip, detail }) => ({ id, type, createdAt, ip, detail })),
  };
}
