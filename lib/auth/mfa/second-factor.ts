import "server-only";
import type { Db } from "../../db";
import type { AuthMethod } from "../edge/authentication";
import type { ClientInfo } from "../client-info";
import { notifyRecoveryCodeUsed } from "../notifications";
import { recordAuthEvent } from "../audit";
import { consumePasswordAttempt } from "../rate-limit";
import { consumeRecoveryCode } from "./recovery-codes";
import { consumeTotpCode } from "./totp";

// A code of the second factor, checked for sign-in and for step-up alike.

/** What a user may type as a second factor. */
export const SECOND_FACTOR_METHODS = ["totp", "recovery_code"] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

export type SecondFactorResult =
  | { ok: true; methods: AuthMethod[] }
  | { ok: false; error: "invalid_code" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks (and spends) a code of the user's confirmed second factor. The attempt is taken
 * from THE password throttle first (lib/auth/rate-limit.ts), keyed by the account's email:
 * a code is a credential like the password, and a burst of guesses through the sign-in,
 * the step-up and the password doors draws on one budget. A right code gives its point
 * back, as a right password does.
 */
export async function verifySecondFactor(
  db: Db,
  user: { id: string; email: string },
  input: { method: SecondFactorMethod; code: string },
  client: ClientInfo,
  context: "sign-in" | "step-up",
  now = new Date(),
): Promise<SecondFactorResult> {
  const attempt = await consumePasswordAttempt(db, { account: user.email, ip: client.ip });
  if (attempt.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: attempt.retryAfterSeconds };
  const code = input.code.trim();
  const valid =
    input.method === "totp"
      ? await consumeTotpCode(db, user.id, code.replace(/\s/g, ""), "confirmed", now)
      : await consumeRecoveryCode(db, user.id, code, now);
  if (!valid) {
    await recordAuthEvent(db, {
      type: context === "sign-in" ? "mfa_failed" : "reauth_failed",
      userId: user.id,
      client,
      detail: `wrong ${input.method === "totp" ? "authenticator code" : "recovery code"} (${context})`,
    });
    return { ok: false, error: "invalid_code" };
  }
  await attempt.succeeded();
  if (input.method === "recovery_code") {
    await recordAuthEvent(db, { type: "recovery_code_used", userId: user.id, client, detail: context });
    const remaining = await db.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
    notifyRecoveryCodeUsed(db, user, client, remaining);
  }
  // RFC 8176: a recovery code is a one-time password as much as a TOTP code is.
  return { ok: true, methods: ["otp"] };
}
