import "server-only";
import type { Db } from "../../db";
import { REFRESH_VIA, type RefreshVia } from "../refresh";

/** One refresh token of the session's family, described without anything usable. */
export type Generation = {
  /** 1 for the token issued at sign-in, counting up with each rotation. */
  number: number;
  /** A short label from the row id (a random UUID, unrelated to the token or its hash). */
  label: string;
  issuedAt: string;
  usedAt: string | null;
  usedVia: RefreshVia | null;
  graceHandedOutAt: string | null;
  current: boolean;
};

export type SessionTimeline = {
  createdAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  /**
   * Bound to a device key (DBSC): the browser renews the access cookie itself and the
   * refresh cookie no longer does, so the page must not post it (lib/auth/dbsc/binding.ts).
   */
  deviceBound: boolean;
  generations: Generation[];
};

// Enough rows to show how the family grew without sending a long session's history.
const MAX_GENERATIONS = 50;

function knownVia(value: string | null): RefreshVia | null {
  return REFRESH_VIA.find((via) => via === value) ?? null;
}

/** The session's expiries and its refresh-token family, newest generation first. */
export async function sessionTimeline(db: Db, sessionId: string): Promise<SessionTimeline | null> {
  const session = await db.session.findUnique({
    where: { id: sessionId },
    select: { createdAt: true, idleExpiresAt: true, absoluteExpiresAt: true, dbscThumbprint: true },
  });
  if (!session) return null;
  const [total, rows] = await Promise.all([
    db.refreshToken.count({ where: { sessionId } }),
    db.refreshToken.findMany({
      where: { sessionId },
      orderBy: { createdAt: "desc" },
      take: MAX_GENERATIONS,
      select: { id: true, parentId: true, createdAt: true, usedAt: true, usedVia: true, graceHandedOutAt: true },
    }),
  ]);
  // A rotation stamps the successor with the parent's use time, so a parent and its child
  // can share a timestamp: their place in the chain breaks the tie.
  const byId = new Map(rows.map((row) => [row.id, row]));
  const depth = (row: (typeof rows)[number]): number => {
    let count = 0;
    for (let parent = row.parentId; parent !== null && byId.has(parent); parent = byId.get(parent)!.parentId) count++;
    return count;
  };
  rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || depth(b) - depth(a));
  return {
    createdAt: session.createdAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    deviceBound: session.dbscThumbprint !== null,
    generations: rows.map((row, index) => ({
      number: total - index,
      label: row.id.slice(0, 8),
      issuedAt: row.createdAt.toISOString(),
      usedAt: row.usedAt?.toISOString() ?? null,
      usedVia: knownVia(row.usedVia),
      graceHandedOutAt: row.graceHandedOutAt?.toISOString() ?? null,
      current: row.usedAt === null,
    })),
  };
}
