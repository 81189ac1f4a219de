import "server-only";
import { Secret, TOTP } from "otpauth";
import { getConfig } from "../../config";
import type { Db } from "../../db";
import { openSecret, sealSecret } from "./secret-box";

// TOTP (RFC 6238) with the `otpauth` library: SHA-1, 6 digits, 30-second steps, the
// parameters every authenticator app understands. We never compute a code ourselves.

const PERIOD_SECONDS = 30;
const DIGITS = 6;
// RFC 6238 §5.2: one step either side absorbs clock drift and a code typed as it turns.
export const TOTP_WINDOW = 1;
// The app's host in the issuer tells two deployments apart in an authenticator app.
const issuer = (): string => `Token Auth Reference (${new URL(getConfig().appOrigin).host})`;

export const TOTP_CODE_PATTERN = /^\d{6}$/;

function totpFor(secretBase32: string, account = ""): TOTP {
  return new TOTP({
    issuer: issuer(),
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/** A new 160-bit secret (RFC 4226 §4 recommends 160), base32 as apps expect it typed. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, account: string): string {
  return totpFor(secretBase32, account).toString();
}

/** The time step (RFC 6238 T) a code matches within ±TOTP_WINDOW, or null. */
export function matchingStep(secretBase32: string, code: string, now: Date): number | null {
  if (!TOTP_CODE_PATTERN.test(code)) return null;
  const totp = totpFor(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now.getTime() }) + delta;
}

/** The code of a time step: for tests and the development tools only, never for checking. */
export const codeAt = (secretBase32: string, at: Date): string =>
  totpFor(secretBase32).generate({ timestamp: at.getTime() });

export type TotpState = { enabled: boolean; pending: boolean };

export async function totpState(db: Db, userId: string): Promise<TotpState> {
  const factor = await db.totpFactor.findUnique({ where: { userId }, select: { confirmedAt: true } });
  return { enabled: factor?.confirmedAt != null, pending: factor !== null && factor.confirmedAt === null };
}

export async function hasConfirmedTotp(db: Db, userId: string): Promise<boolean> {
  return (await totpState(db, userId)).enabled;
}

/**
 * Starts (or restarts) enrolment: a new secret, pending until a code confirms it. The
 * secret is shown to the user once, here; the database keeps it sealed.
 */
export async function beginTotpEnrolment(
  db: Db,
  user: { id: string; email: string },
  now = new Date(),
): Promise<{ ok: true; secret: string; otpauthUri: string } | { ok: false; error: "totp_already_enabled" }> {
  const secret = newTotpSecret();
  const sealed = sealSecret(secret);
  // Only a pending (or absent) factor is replaced: an enabled one is removed explicitly.
  const replaced = await db.totpFactor.updateMany({
    where: { userId: user.id, confirmedAt: null },
    data: { secret: sealed, createdAt: now, lastUsedStep: null },
  });
  if (replaced.count === 0) {
    const created = await db.totpFactor
      .create({ data: { userId: user.id, secret: sealed, createdAt: now } })
      .catch(() => null);
    // Someone (another tab) enabled or began it meanwhile.
    if (!created) return { ok: false, error: "totp_already_enabled" };
  }
  return { ok: true, secret, otpauthUri: totpUri(secret, user.email) };
}

/**
 * Accepts a code of the user's authenticator at most once. `which` says whether the
 * confirmed factor is meant (sign-in, step-up) or the pending one (enrolment).
 *
 * Replay: the newest accepted time step is stored, and a code is taken only with a
 * conditional update to a *larger* step. Of two concurrent requests with one code (or
 * codes of the same or an older step) exactly one matches the update, on any instance.
 */
export async function consumeTotpCode(
  db: Db,
  userId: string,
  code: string,
  which: "confirmed" | "pending",
  now = new Date(),
): Promise<boolean> {
  const factor = await db.totpFactor.findUnique({ where: { userId } });
  if (!factor || (which === "confirmed") !== (factor.confirmedAt !== null)) return false;
  const secret = openSecret(factor.secret);
  if (!secret) return false;
  const step = matchingStep(secret, code, now);
  if (step === null) return false;
  const claimed = await db.totpFactor.updateMany({
    where: {
      userId,
      secret: factor.secret,
      confirmedAt: which === "confirmed" ? { not: null } : null,
      OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }],
    },
    data: which === "confirmed" ? { lastUsedStep: step } : { lastUsedStep: step, confirmedAt: now },
  });
  return claimed.count === 1;
}

export async function removeTotp(db: Db, userId: string): Promise<boolean> {
  const [factor] = await db.$transaction([
    db.totpFactor.deleteMany({ where: { userId } }),
    db.recoveryCode.deleteMany({ where: { userId } }),
  ]);
  return factor.count === 1;
}
