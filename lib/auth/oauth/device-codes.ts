import "server-only";
import { randomInt } from "node:crypto";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import type { ClientInfo } from "../client-info";
import { hashSecretToken, newSecretToken } from "../secret-token";
import { startSession } from "../session/lifecycle";
import { type TokenPair } from "../token-pair";
import type { OAuthClient } from "./clients";

// The device authorization grant (RFC 8628): the device shows a short user code, the
// user approves it on /device, the device polls the token endpoint meanwhile.

export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
// §6.1: consonants only, so no vowels spell words and nothing reads as 0/O or 1/I.
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH = 8; // 20^8 ≈ 2.6e10, with the attempt limit below (§5.1)
// Wrong user codes a signed-in user (and an address) may enter per quarter hour.
const USER_CODE_ATTEMPTS = { points: 10, duration: 900 };

export type DeviceStart = { deviceCode: string; userCode: string; expiresIn: number; interval: number };

/** "bcdf-ghjk", "BCDFGHJK " → "BCDFGHJK"; null when it cannot be a user code. */
export function normaliseUserCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== USER_CODE_LENGTH) return null;
  return [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : null;
}

/** XXXX-XXXX, as shown to the user. */
export const formatUserCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4)}`;

function newUserCode(): string {
  return Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join(
    "",
  );
}

export async function startDeviceAuthorization(
  db: Db,
  client: OAuthClient,
  scope: string,
  now = new Date(),
): Promise<DeviceStart> {
  const deviceCode = newSecretToken();
  const userCode = newUserCode();
  await db.deviceAuthorization.create({
    data: {
      deviceCodeHash: hashSecretToken(deviceCode),
      userCode,
      clientId: client.id,
      scope,
      intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS,
      createdAt: now,
      expiresAt: addSeconds(now, DEVICE_CODE_TTL_SECONDS),
    },
  });
  return { deviceCode, userCode, expiresIn: DEVICE_CODE_TTL_SECONDS, interval: DEVICE_POLL_INTERVAL_SECONDS };
}

export type PendingDevice = { id: string; userCode: string; clientId: string; scope: string };

const limiters = new WeakMap<Db, RateLimiterPrisma>();

function attemptLimiter(db: Db): RateLimiterPrisma {
  let limiter = limiters.get(db);
  if (!limiter) {
    limiter = new RateLimiterPrisma({ storeClient: db, keyPrefix: "device-user-code", ...USER_CODE_ATTEMPTS });
    limiters.set(db, limiter);
  }
  return limiter;
}

export type LookupResult =
  | { ok: true; device: PendingDevice }
  | { ok: false; error: "not_found" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * The pending authorization a user typed the code of. Wrong codes count against the user
 * and the address, so the short codes cannot be enumerated (RFC 8628 §5.1).
 */
export async function findPendingDevice(
  db: Db,
  input: string,
  who: { userId: string; client: ClientInfo },
  now = new Date(),
): Promise<LookupResult> {
  const limiter = attemptLimiter(db);
  const keys = [`user:${who.userId}`, ...(who.client.ip ? [`ip:${who.client.ip}`] : [])];
  for (const key of keys) {
    const state = await limiter.get(key);
    if (state && state.consumedPoints >= limiter.points) {
      return { ok: false, error: "rate_limited", retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    }
  }
  const userCode = normaliseUserCode(input);
  const row = userCode
    ? await db.deviceAuthorization.findFirst({ where: { userCode, status: "pending", expiresAt: { gt: now } } })
    : null;
  if (row)
    return { ok: true, device: { id: row.id, userCode: row.userCode, clientId: row.clientId, scope: row.scope } };
  for (const key of keys) {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
  }
  return { ok: false, error: "not_found" };
}

/** The user's answer; false when the authorization is no longer pending. */
export async function decideDeviceAuthorization(
  db: Db,
  id: string,
  userId: string,
  approve: boolean,
  now = new Date(),
): Promise<boolean> {
  const updated = await db.deviceAuthorization.updateMany({
    where: { id, status: "pending", expiresAt: { gt: now } },
    data: approve ? { status: "approved", userId } : { status: "denied" },
  });
  return updated.count === 1;
}

export type DevicePollError =
  "authorization_pending" | "slow_down" | "access_denied" | "expired_token" | "invalid_grant";

export type DevicePoll = { ok: true; tokens: TokenPair; scope: string } | { ok: false; error: DevicePollError };

/** RFC 8628 §3.4–3.5: one poll of the token endpoint. */
export async function pollDeviceAuthorization(
  db: Db,
  exchange: { deviceCode: string; clientId: string; dpopJkt: string | null },
  client: ClientInfo,
  now = new Date(),
): Promise<DevicePoll> {
  const row = await db.deviceAuthorization.findUnique({
    where: { deviceCodeHash: hashSecretToken(exchange.deviceCode) },
  });
  if (!row || row.clientId !== exchange.clientId || row.status === "used") return { ok: false, error: "invalid_grant" };
  if (row.expiresAt <= now) return { ok: false, error: "expired_token" };
  if (row.status === "denied") return { ok: false, error: "access_denied" };

  // §3.5 slow_down: a poll sooner than the interval adds 5 seconds to it, for this and
  // every later poll. The conditional update makes the "last poll" check atomic across
  // instances; a poll that loses it was too fast.
  const earliest = addSeconds(now, -row.intervalSeconds);
  const onTime = await db.deviceAuthorization.updateMany({
    where: { id: row.id, OR: [{ lastPolledAt: null }, { lastPolledAt: { lte: earliest } }] },
    data: { lastPolledAt: now },
  });
  if (onTime.count === 0) {
    await db.deviceAuthorization.update({
      where: { id: row.id },
      data: { lastPolledAt: now, intervalSeconds: { increment: 5 } },
    });
    return { ok: false, error: "slow_down" };
  }
  if (row.status === "pending") return { ok: false, error: "authorization_pending" };

  // Approved: the device code is spent by whoever flips it to "used" first.
  const claimed = await db.deviceAuthorization.updateMany({
    where: { id: row.id, status: "approved" },
    data: { status: "used" },
  });
  if (claimed.count === 0 || !row.userId) return { ok: false, error: "invalid_grant" };
  const tokens = await startSession(db, row.userId, client, now, {
    clientId: row.clientId,
    scope: row.scope,
    dpopJkt: exchange.dpopJkt,
  });
  return { ok: true, tokens, scope: row.scope };
}
