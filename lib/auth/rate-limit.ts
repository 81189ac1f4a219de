import "server-only";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { getConfig, type RateLimit } from "../config";
import type { Db } from "../db";

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
    if (rejection instanceof RateLimiterRes) return blockedFor(rejection.msBeforeNext);
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

type MailLimiters = Record<"forgotPerEmail" | "forgotPerIp" | "resendPerEmail" | "resendPerIp", RateLimiterPrisma>;

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
