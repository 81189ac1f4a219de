import "server-only";
import type { Db } from "../db";

// Whether an account may hold sessions (docs/decisions/0023-administration.md). An
// administrator can disable an account; a disabled account cannot sign in by any route,
// redeem a grant, or keep a session. Two places carry the rule, and no route repeats it:
//
// - startSession (lib/auth/session/lifecycle.ts) asks assertAccountMayStartSession
//   before and after it creates a session. Every sign-in path (password, legacy password
//   grant, password reset, and the passkey and second-factor routes) and every grant
//   (authorization code, device code) creates its session there, so none can forget it.
// - disableAccount (lib/auth/admin/actions.ts) revokes every session of the account, and
//   every door already refuses a revoked session (lib/auth/bindings.ts, "session alive").
//
// The two writes race safely: disabling writes disabledAt and then revokes; startSession
// writes its session and then reads disabledAt. Whichever runs second sees the other's
// write, so a session created during the disabling is either revoked by it or revoked
// by startSession itself.

export class AccountDisabledError extends Error {
  override name = "AccountDisabledError";
  constructor() {
    super("The account is disabled.");
  }
}

/** What a sign-in route answers a disabled account (after its credential checked out). */
export const ACCOUNT_DISABLED_MESSAGE = "This account is disabled. Ask the administrator to enable it again.";

/** Throws AccountDisabledError when the account is disabled (or gone: no session for it either). */
export async function assertAccountMayStartSession(db: Pick<Db, "user">, userId: string): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { disabledAt: true } });
  // A missing user is left to the session's foreign key, which the callers already map.
  if (user?.disabledAt) throw new AccountDisabledError();
}
