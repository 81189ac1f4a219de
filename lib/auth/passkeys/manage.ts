import "server-only";
import type { Db } from "../../db";
import { notifyFactorChanged } from "../notifications";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { toPasskeyView, type PasskeyView } from "./views";

// Listing, renaming and removing a signed-in user's passkeys. Every query names the
// user: a passkey id of another account is answered as unknown (404), never touched.

export async function listPasskeys(db: Db, userId: string): Promise<PasskeyView[]> {
  const rows = await db.passkey.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
  return rows.map(toPasskeyView);
}

export async function renamePasskey(
  db: Db,
  who: { userId: string; sessionId: string },
  passkeyId: string,
  name: string,
  client: ClientInfo,
): Promise<PasskeyView | null> {
  const { count } = await db.passkey.updateMany({ where: { id: passkeyId, userId: who.userId }, data: { name } });
  if (count !== 1) return null;
  await recordAuthEvent(db, {
    type: "passkey_renamed",
    userId: who.userId,
    sessionId: who.sessionId,
    client,
    detail: name,
  });
  const row = await db.passkey.findUnique({ where: { id: passkeyId } });
  return row ? toPasskeyView(row) : null;
}

export async function removePasskey(
  db: Db,
  who: { userId: string; sessionId: string },
  passkeyId: string,
  client: ClientInfo,
): Promise<boolean> {
  const row = await db.passkey.findFirst({ where: { id: passkeyId, userId: who.userId }, select: { name: true } });
  const { count } = await db.passkey.deleteMany({ where: { id: passkeyId, userId: who.userId } });
  if (count !== 1) return false;
  await recordAuthEvent(db, {
    type: "passkey_removed",
    userId: who.userId,
    sessionId: who.sessionId,
    client,
    detail: row?.name,
  });
  notifyFactorChanged(db, { id: who.userId }, { factor: "passkey", action: "removed", name: row?.name }, client);
  return true;
}
