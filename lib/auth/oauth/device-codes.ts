import "server-only";
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { getAuthSecrets } from "../../config";
import { addSeconds } from "../../dates";
import type { Db } from "../../db";
import { isForeignKeyViolation } from "../../db/errors";
import { AccountDisabledError } from "../account-status";
import { checkGrantBinding } from "../bindings";
import type { ClientInfo } from "../client-info";
import { credentialLessLimits, type RateDecision } from "../rate-limit";
import { hashSecretToken, newSecretToken } from "../secret-token";
import { grantAuthentication, serializeMethods, type Authentication } from "../edge/authentication";
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

export type DeviceStartResult = ({ ok: true } & DeviceStart) | { ok: false; retryAfterSeconds: number };

/**
 * RFC 8628 §3.1–3.2. The request carries no credential and writes a row (and takes a
 * user code from a finite space), so it is counted per client address.
 */
export async function startDeviceAuthorization(
  db: Db,
  client: OAuthClient,
  scope: string,
  requester: ClientInfo,
  now = new Date(),
): Promise<DeviceStartResult> {
  const limit: RateDecision = await credentialLessLimits.consumeDeviceAuthorization(db, requester.ip);
  if (limit.limited) return { ok: false, retryAfterSeconds: limit.retryAfterSeconds };
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
  return {
    ok: true,
    deviceCode,
    userCode,
    expiresIn: DEVICE_CODE_TTL_SECONDS,
    interval: DEVICE_POLL_INTERVAL_SECONDS,
  };
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

// A ticket says "this session has already paid a counted attempt for this code": the
// form's POST hands it out with the redirect to the approval page. Without one the page
// looks nothing up, so a GET (a link, a cross-site navigation) neither spends the
// user's attempts nor tells anyone whether a code exists.
function ticketFor(sessionId: string, userCode: string): Buffer {
  return createHmac("sha256", getAuthSecrets()[0]!).update(`device-code-ticket\0${sessionId}\0${userCode}`).digest();
}

/** The ticket for a code the session just looked up with findPendingDevice. */
export const deviceCodeTicket = (sessionId: string, userCode: string): string =>
  ticketFor(sessionId, userCode).toString("base64url");

export type ViewResult = { ok: true; device: PendingDevice } | { ok: false; error: "not_found" | "unconfirmed" };

/**
 * What the device page shows for `?user_code=…`: read-only. Only with a ticket of this
 * session for this code is the authorization looked up (and not counted again: the
 * POST that issued the ticket was); otherwise the page asks to confirm the code.
 */
export async function viewPendingDevice(
  db: Db,
  input: string,
  who: { sessionId: string; ticket: string | undefined },
  now = new Date(),
): Promise<ViewResult> {
  const userCode = normaliseUserCode(input);
  if (!userCode || !who.ticket) return { ok: false, error: "unconfirmed" };
  const expected = ticketFor(who.sessionId, userCode);
  const given = Buffer.from(who.ticket, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, error: "unconfirmed" };
  const row = await db.deviceAuthorization.findFirst({
    where: { userCode, status: "pending", expiresAt: { gt: now } },
  });
  if (!row) return { ok: false, error: "not_found" };
  return { ok: true, device: { id: row.id, userCode: row.userCode, clientId: row.clientId, scope: row.scope } };
}

/** The user's answer; false when the authorization is no longer pending. */
export async function decideDeviceAuthorization(
  db: Db,
  id: string,
  userId: string,
  approve: boolean,
  now = new Date(),
  authentication: Authentication | null = null,
): Promise<boolean> {
  // The approving session's authentication travels with the grant into the device's session.
  const approved = {
    status: "approved",
    userId,
    authenticatedAt: authentication?.at ?? null,
    authMethods: authentication ? serializeMethods(authentication.methods) : null,
  };
  const updated = await db.deviceAuthorization.updateMany({
    where: { id, status: "pending", expiresAt: { gt: now } },
    data: approve ? approved : { status: "denied" },
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
  if (!row || !checkGrantBinding("device_code", row, exchange).ok || row.status === "used") {
    return { ok: false, error: "invalid_grant" };
  }
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
  try {
    const tokens = await startSession(
      db,
      row.userId,
      client,
      now,
      { clientId: row.clientId, scope: row.scope, dpopJkt: exchange.dpopJkt },
      undefined,
      grantAuthentication(row),
    );
    return { ok: true, tokens, scope: row.scope };
  } catch (error) {
    // The approving user was deleted since the read above: the grant died with them.
    if (isForeignKeyViolation(error)) return { ok: false, error: "invalid_grant" };
    // The approving user's account was disabled since: no session for it.
    if (error instanceof AccountDisabledError) return { ok: false, error: "invalid_grant" };
    throw error;
  }
}
