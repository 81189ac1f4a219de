import "server-only";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import { notifyFactorChanged } from "../notifications";
import type { ClientInfo } from "../client-info";
import { consumePasswordAttempt } from "../rate-limit";
import { regenerateRecoveryCodes } from "./recovery-codes";
import { consumeTotpCode, hasConfirmedTotp, removeTotp, totpState } from "./totp";

// Turning TOTP on and off, and new recovery codes: the account side of the second factor.
// The routes demand step-up before they call any of these.

export type ConfirmResult =
  | { ok: true; recoveryCodes: string[] }
  | { ok: false; error: "totp_not_pending" | "invalid_code" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/** The first right code turns the pending authenticator on and mints the recovery codes. */
export async function confirmTotp(
  db: Db,
  user: { id: string; email: string },
  code: string,
  client: ClientInfo,
  now = new Date(),
): Promise<ConfirmResult> {
  if (!(await totpState(db, user.id)).pending) return { ok: false, error: "totp_not_pending" };
  const attempt = await consumePasswordAttempt(db, { account: user.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  if (!(await consumeTotpCode(db, user.id, code.replace(/\s/g, ""), "pending", now))) {
    return { ok: false, error: "invalid_code" };
  }
  await attempt.succeeded();
  const recoveryCodes = await regenerateRecoveryCodes(db, user.id, now);
  await recordAuthEvent(db, { type: "totp_enabled", userId: user.id, client, now });
  notifyFactorChanged(db, user, { factor: "totp", action: "added" }, client);
  return { ok: true, recoveryCodes };
}

export async function disableTotp(db: Db, userId: string, client: ClientInfo): Promise<boolean> {
  const removed = await removeTotp(db, userId);
  if (removed) {
    await recordAuthEvent(db, { type: "totp_removed", userId, client });
    notifyFactorChanged(db, { id: userId }, { factor: "totp", action: "removed" }, client);
  }
  return removed;
}

export async function newRecoveryCodes(db: Db, userId: string, client: ClientInfo): Promise<string[] | null> {
  if (!(await hasConfirmedTotp(db, userId))) return null;
  const codes = await regenerateRecoveryCodes(db, userId);
  await recordAuthEvent(db, { type: "recovery_codes_regenerated", userId, client });
  notifyFactorChanged(db, { id: userId }, { factor: "recovery_codes", action: "added" }, client);
  return codes;
}
