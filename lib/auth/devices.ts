import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { isUniqueViolation } from "../db/errors";
import { describeDevice } from "../user-agent";
import { REFRESH_COOKIE_PATH, type CookieSpec } from "./edge/cookies";
import { hashSecretToken, newSecretToken, SECRET_TOKEN_PATTERN } from "./secret-token";

// "A device not seen before" (decision 0022): a browser is known to an account when it
// presents a device cookie that account has signed in with before, from the same browser
// and system (lib/user-agent.ts). The cookie is 256 random bits, httpOnly, kept 400 days
// (the longest Chromium allows) and sent only to the auth routes; the database keeps its
// SHA-256 per account. A copied cookie in another browser, a cleared cookie jar and a
// private window all count as new: a notice too many is better than one missed.

export const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

function deviceCookie(value: string, maxAge: number): CookieSpec {
  const { secureCookies } = getConfig();
  return {
    name: secureCookies ? "__Secure-device_id" : "device_id",
    value,
    httpOnly: true,
    secure: secureCookies,
    // Sign-in forms and their fetches are same-site; nothing cross-site needs it.
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge,
  };
}

type CookieReader = { get(name: string): { value: string } | undefined };
type CookieWriter = { set(cookie: CookieSpec): unknown };

/**
 * The device id for this sign-in: the one the browser presented, or a new one when it
 * presented none (or something that is not one). Written back either way, so the cookie's
 * lifetime starts again at every sign-in.
 */
export function takeDeviceId(presented: CookieReader, answer: CookieWriter): string {
  const value = presented.get(deviceCookie("", 0).name)?.value;
  const id = value && SECRET_TOKEN_PATTERN.test(value) ? value : newSecretToken();
  answer.set(deviceCookie(id, DEVICE_COOKIE_MAX_AGE_SECONDS));
  return id;
}

/** A sign-in with this device id: "known" when the account has used this browser before. */
export async function noteSignInDevice(
  db: Db,
  userId: string,
  deviceId: string,
  userAgent: string | null,
  now = new Date(),
): Promise<"known" | "new"> {
  const deviceHash = hashSecretToken(deviceId);
  const label = describeDevice(userAgent).label;
  const seen = await db.knownDevice.findUnique({ where: { userId_deviceHash: { userId, deviceHash } } });
  if (seen) {
    await db.knownDevice.update({ where: { id: seen.id }, data: { lastSeenAt: now, label } });
    return seen.label === label ? "known" : "new";
  }
  try {
    await db.knownDevice.create({ data: { userId, deviceHash, label, firstSeenAt: now, lastSeenAt: now } });
    return "new";
  } catch (error) {
    // Two sign-ins from one new browser at once: the one whose row went in first tells.
    if (isUniqueViolation(error)) return "known";
    throw error;
  }
}
