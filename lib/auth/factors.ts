import "server-only";
import type { Db } from "../db";
import { recoveryCodesLeft } from "./mfa/recovery-codes";
import { totpState } from "./mfa/totp";

// What an account signs in with besides its password, for the pages: the security page's
// sections and the step-up dialog (which offers a code field or a passkey accordingly).

export type AccountFactors = {
  /** A confirmed authenticator app: sign-in and step-up ask for its code. */
  totp: boolean;
  /** Unused recovery codes (0 without TOTP). */
  recoveryCodesLeft: number;
  passkeys: number;
};

export async function accountFactors(db: Db, userId: string): Promise<AccountFactors> {
  const [totp, codes, passkeys] = await Promise.all([
    totpState(db, userId),
    recoveryCodesLeft(db, userId),
    db.passkey.count({ where: { userId } }),
  ]);
  return { totp: totp.enabled, recoveryCodesLeft: totp.enabled ? codes : 0, passkeys };
}
