import "server-only";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { getConfig, type RateLimit } from "../config";
import type { Db } from "../db";
import { countRateLimited } from "../observability/metrics";

// Counters live in the database (rate-limiter-flexible's Prisma store), so they survive
// restarts and every app instance sees the same numbers. A client without a known
// address (plain `next start` without server.mjs or TRUST_PROXY) is limited per account
// only.

export type RateDecision = { limited: false } | { limited: true; retryAfterSeconds: number };

type Limiters = {
  loginPerAccount: RateLimiterPrisma;
  loginPerIp: RateLimiterPrisma;
  registerPerIp: RateLimiterPrisma;
  refreshFailuresPerIp: RateLimiterPrisma;
};

const byDb = new WeakMap<Db, Limiters>();

function limiters(db: Db): Limiters {
  let found = byDb.get(db);
  if (!found) {
    const make = (keyPrefix: string, { points, seconds }: RateLimit) =>
      new RateLimiterPrisma({ storeClient: db, keyPrefix, points, duration: seconds });
    const { rateLimits } = getConfig();
    found = {
      loginPerAccount: make("login-account", rateLimits.loginPerAccount),
      loginPerIp: make("login-ip", rateLimits.loginPerIp),
      registerPerIp: make("register-ip", rateLimits.registerPerIp),
      refreshFailuresPerIp: make("refresh-failures-ip", rateLimits.refreshFailuresPerIp),
    };
    byDb.set(db, found);
  }
  return found;
}

const allowed: RateDecision = { limited: false };

function blockedFor(msBeforeNext: number): RateDecision {
  return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) };
}

/** Counts one attempt against a counter; limited once it goes over. */
async function consume(limiter: RateLimiterPrisma, key: string | null): Promise<RateDecision> {
  if (key === null) return allowed;
  try {
    await limiter.consume(key);
    return allowed;
  } catch (rejection) {
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, and with
    // an Error when the store failed; the latter is a real error.
    if (rejection instanceof RateLimiterRes) {
      countRateLimited(limiter.keyPrefix);
      return blockedFor(rejection.msBeforeNext);
    }
    throw rejection;
  }
}

export type PasswordAttempt =
  | { limited: true; retryAfterSeconds: number }
  | {
      limited: false;
      /** Call when the password was right: the attempt is given back (see below). */
      succeeded: () => Promise<void>;
    };

/**
 * THE password-attempt throttle. Every code path that checks a password calls this first
 * — sign-in (form, JSON and the token endpoint's password grant), the password change,
 * and whatever is added later (account deletion, password reset) — so that all of them
 * draw on the same budget per account and per client address: a stolen session cannot
 * guess the password through one door after the other is closed.
 *
 * Class of bug closed here: a limit read before the expensive check and written after
 * it lets every request in flight pass the read. The attempt is therefore *consumed*
 * (one atomic increment in the database: an upsert with `points = points + 1`, which
 * SQLite and PostgreSQL serialise on the row, on every instance) *before* bcrypt runs,
 * and the caller goes on only when the counter it got back is within the limit.
 *
 * Policy: failed attempts are what is limited. A right password gives its point back
 * (`succeeded()`), so a user who types it right is never slowed down; the counter is not
 * reset, because a reset would hand attackers guessing at the same moment a fresh
 * budget. Once an account is over the limit even the right password is refused until
 * the window passes (otherwise guessing would go on). `account` is the normalised email,
 * whether or not such an account exists, so the limit reveals nothing about which emails
 * are registered.
 */
export async function consumePasswordAttempt(
  db: Db,
  who: { account: string; ip: string | null },
): Promise<PasswordAttempt> {
  const l = limiters(db);
  const perAccount = await consume(l.loginPerAccount, who.account);
  const perIp = await consume(l.loginPerIp, who.ip);
  const limited = [perAccount, perIp].find((d) => d.limited);
  if (limited?.limited) return limited;
  return {
    limited: false,
    succeeded: async () => {
      await l.loginPerAccount.reward(who.account);
      if (who.ip !== null) await l.loginPerIp.reward(who.ip);
    },
  };
}

/**
 * A passkey sign-in or re-authentication attempt: the same counters as passwords (one
 * throttle class). Consumed per client address before the assertion is checked, so a
 * burst of forged or replayed assertions meets 429 like a burst of password guesses; the
 * point is given back when the assertion verifies. The per-account counter is charged
 * only by a failed assertion of a known passkey (`recordPasskeyFailure`) and is not read
 * first: a signature cannot be guessed, and a stranger guessing the password must not be
 * able to lock the owner's passkey out (docs/decisions/0021-passkeys.md).
 */
export async function consumePasskeyAttempt(db: Db, ip: string | null): Promise<PasswordAttempt> {
  const l = limiters(db);
  const perIp = await consume(l.loginPerIp, ip);
  if (perIp.limited) return perIp;
  return {
    limited: false,
    succeeded: async () => {
      if (ip !== null) await l.loginPerIp.reward(ip);
    },
  };
}

/** A failed assertion of a known passkey counts against its account like a wrong password. */
export async function recordPasskeyFailure(db: Db, account: string): Promise<void> {
  await consume(limiters(db).loginPerAccount, account);
}

/** Forgets an account's failed password attempts (a reset by mail, a deleted account). */
export async function clearPasswordAttempts(db: Db, account: string): Promise<void> {
  await limiters(db).loginPerAccount.delete(account);
}

export const consumeRegisterAttempt = (db: Db, ip: string | null): Promise<RateDecision> =>
  consume(limiters(db).registerPerIp, ip);

// Failed refreshes per client address (see throttledRefresh for why only failures).
export const refreshLimits = {
  recordFailure: (db: Db, ip: string | null): Promise<RateDecision> => consume(limiters(db).refreshFailuresPerIp, ip),
};

// --- Mail (issue 16): password-reset and verification mails, per address and per email.
// Kept as a separate block (own limiters) so it merges apart from the limits above.
// Every request counts, not only failures: each one may send a mail.

type MailLimiters = Record<
  | "forgotPerEmail"
  | "forgotPerIp"
  | "resendPerEmail"
  | "resendPerIp"
  | "emailChangePerAccount"
  | "emailChangePerTarget"
  | "emailChangePerIp",
  RateLimiterPrisma
>;

const mailByDb = new WeakMap<Db, MailLimiters>();

function mailLimiters(db: Db): MailLimiters {
  let found = mailByDb.get(db);
  if (!found) {
    const { mailPerEmail, mailPerIp } = getConfig().rateLimits;
    const make = (keyPrefix: string, { points, seconds }: RateLimit) =>
      new RateLimiterPrisma({ storeClient: db, keyPrefix, points, duration: seconds });
    found = {
      forgotPerEmail: make("forgot-email", mailPerEmail),
      forgotPerIp: make("forgot-ip", mailPerIp),
      resendPerEmail: make("resend-email", mailPerEmail),
      resendPerIp: make("resend-ip", mailPerIp),
      emailChangePerAccount: make("email-change-account", mailPerEmail),
      emailChangePerTarget: make("email-change-target", mailPerEmail),
      emailChangePerIp: make("email-change-ip", mailPerIp),
    };
    mailByDb.set(db, found);
  }
  return found;
}

async function consumeBoth(email: RateLimiterPrisma, ip: RateLimiterPrisma, key: string, address: string | null) {
  const byAddress = await consume(ip, address);
  if (byAddress.limited) return byAddress;
  return consume(email, key);
}

export const mailLimits = {
  consumeForgot: (db: Db, email: string, ip: string | null): Promise<RateDecision> => {
    const l = mailLimiters(db);
    return consumeBoth(l.forgotPerEmail, l.forgotPerIp, email, ip);
  },
  consumeResend: (db: Db, email: string, ip: string | null): Promise<RateDecision> => {
    const l = mailLimiters(db);
    return consumeBoth(l.resendPerEmail, l.resendPerIp, email, ip);
  },
  /**
   * A change of address mails the new address: limited per account (a stolen session must
   * not become a mail cannon), per new address (nobody gets flooded with links they never
   * asked for, whichever accounts ask) and per client address.
   */
  consumeEmailChange: async (db: Db, userId: string, newEmail: string, ip: string | null): Promise<RateDecision> => {
    const l = mailLimiters(db);
    const first = await consumeBoth(l.emailChangePerAccount, l.emailChangePerIp, userId, ip);
    if (first.limited) return first;
    return consume(l.emailChangePerTarget, newEmail);
  },
  /** Forgets every per-email counter of a deleted account (per-address ones are not theirs). */
  clearEmail: async (db: Db, email: string): Promise<void> => {
    const l = mailLimiters(db);
    await Promise.all([
      l.forgotPerEmail.delete(email),
      l.resendPerEmail.delete(email),
      clearPasswordAttempts(db, email),
    ]);
  },
};

// --- Doors without a credential (issue 22): the DBSC refresh route answered without a
// valid proof, and the start of a device authorization. Each may write a row (a
// challenge, a device code), so every such request counts, per client address.

type CredentialLessLimiters = Record<
  "dbscRefreshPerIp" | "deviceAuthorizationPerIp" | "passkeyOptionsPerIp",
  RateLimiterPrisma
>;

const credentialLessByDb = new WeakMap<Db, CredentialLessLimiters>();

function credentialLessLimiters(db: Db): CredentialLessLimiters {
  let found = credentialLessByDb.get(db);
  if (!found) {
    const { dbscRefreshPerIp, deviceAuthorizationPerIp, passkeyOptionsPerIp } = getConfig().rateLimits;
    const make = (keyPrefix: string, { points, seconds }: RateLimit) =>
      new RateLimiterPrisma({ storeClient: db, keyPrefix, points, duration: seconds });
    found = {
      dbscRefreshPerIp: make("dbsc-refresh-ip", dbscRefreshPerIp),
      deviceAuthorizationPerIp: make("device-authorization-ip", deviceAuthorizationPerIp),
      passkeyOptionsPerIp: make("passkey-options-ip", passkeyOptionsPerIp),
    };
    credentialLessByDb.set(db, found);
  }
  return found;
}

export const credentialLessLimits = {
  /** A DBSC refresh request that carried no valid proof. */
  consumeDbscRefresh: (db: Db, ip: string | null): Promise<RateDecision> =>
    consume(credentialLessLimiters(db).dbscRefreshPerIp, ip),
  /** A device authorization request (RFC 8628 §3.1). */
  consumeDeviceAuthorization: (db: Db, ip: string | null): Promise<RateDecision> =>
    consume(credentialLessLimiters(db).deviceAuthorizationPerIp, ip),
  /** Passkey sign-in options: each writes a challenge row, and nobody is signed in yet. */
  consumePasskeyOptions: (db: Db, ip: string | null): Promise<RateDecision> =>
    consume(credentialLessLimiters(db).passkeyOptionsPerIp, ip),
};
