// Codes as an authenticator app makes them (otpauth), for the tests that sign in with a
// second factor.
import { Secret, TOTP } from "otpauth";

/** The code for `secret` (base32) at now + offsetSeconds. */
export const codeAt = (secret: string, offsetSeconds = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSeconds * 1000 });

/**
 * Waits, if needed, until the current 30 s step has 10 s or more left. A code computed just
 * before a step ends reaches the server in the next step, where the previous step's code
 * is two steps old: the tests start their codes well inside a step, so that an
 * enrolment's code (the previous step's) and a sign-in's (the current one) stay two
 * different, valid codes.
 */
export async function awayFromStepBoundary(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 20_000) await new Promise((resolve) => setTimeout(resolve, 30_000 - into + 200));
}
