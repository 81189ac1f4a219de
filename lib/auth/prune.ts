import "server-only";
import { getConfig } from "../config";
import { addSeconds } from "../dates";
import type { Db } from "../db";
import { MAILBOX_SIZE } from "../mail/dev-mailbox";
import { DEVICE_COOKIE_MAX_AGE_SECONDS } from "./devices";

/** Rows deleted, per table. */
export type PruneResult = {
  sessions: number;
  refreshTokens: number;
  dbscChallenges: number;
  webauthnChallenges: number;
  authorizationCodes: number;
  deviceAuthorizations: number;
  dpopProofJtis: number;
  emailTokens: number;
  devMails: number;
  knownDevices: number;
  rateLimits: number;
  authEvents: number;
};

/**
 * How long a row that changed its answer at expiry is kept after it. Until then a late
 * client is told precisely what happened ("session_expired", the reuse verdict,
 * "expired_token") rather than "invalid", and an instance whose clock runs behind
 * (each instance judges expiry by its own clock) never finds a row it still considers
 * live already deleted.
 */
export const PRUNE_MARGIN_SECONDS = 3600;

/**
 * Deletes what can never be used again, table by table; every table with expiring rows
 * is bounded by what is still live (plus the margin above). Safe to run at any time and
 * on several instances at once (each delete is one idempotent statement), though the
 * server runs it on one instance at a time (lib/ops/scheduled-prune.ts).
 */
export async function pruneExpired(db: Db, now = new Date()): Promise<PruneResult> {
  const config = getConfig();
  const marginCutoff = addSeconds(now, -PRUNE_MARGIN_SECONDS);

  // Sessions: kept until their idle or absolute expiry (plus the margin), revoked or not.
  // A revoked session is not deleted at its revocation: its refresh cookie lives in the
  // browser until that same expiry (cookie Max-Age ≤ session expiry; an OAuth client's
  // token expires then too), and until then whoever presents it gets the precise answer
  // ("refresh_token_reused" sends the browser to /login?reason=…) instead of "invalid".
  // After the expiry no such cookie is sent any more, so nothing is lost.
  //
  // Refresh tokens: deleted only with their session, never one by one. The spent
  // generations of a live session are what turns a replay into the theft verdict
  // (the whole family revoked): a thief who rotated first, and the owner presenting
  // the now-spent token days later, is caught only while that row exists. So a live
  // session keeps its whole chain; it ends with the session. Deleted explicitly here
  // (not only by the foreign key's cascade) so the count is reported.
  const endedSession = {
    OR: [{ idleExpiresAt: { lte: marginCutoff } }, { absoluteExpiresAt: { lte: marginCutoff } }],
  };
  const refreshTokens = await db.refreshToken.deleteMany({ where: { session: { is: endedSession } } });
  // Challenges of ended sessions go now too (they are short-lived anyway).
  const sessionChallenges = await db.dbscChallenge.deleteMany({ where: { session: { is: endedSession } } });
  const sessions = await db.session.deleteMany({ where: endedSession });

  // DBSC challenges: one is made per sign-in and refresh over https; an expired one can
  // never be answered (used or not), and its answer is the same as an unknown one's.
  const dbscChallenges = await db.dbscChallenge.deleteMany({ where: { expiresAt: { lte: now } } });

  // WebAuthn challenges (passkeys): the sign-in page asks for one on every visit; an
  // expired one is refused like an unknown one.
  const webauthnChallenges = await db.webauthnChallenge.deleteMany({ where: { expiresAt: { lte: now } } });

  // Authorization codes. An unused code past its expiry (plus the margin) is dead. A used
  // one still matters while the session it was exchanged for exists: a replay of the code
  // revokes that session (RFC 6749 §4.1.2), the defence against an intercepted code
  // redeemed first by someone else. So a spent code is kept until its session is gone
  // (pruned above, or deleted with the account), then it can only ever be "not valid".
  const unusedOrOrphanCodes = await db.authorizationCode.deleteMany({
    where: { expiresAt: { lte: marginCutoff }, OR: [{ usedAt: null }, { sessionId: null }] },
  });
  // sessionId is only set once the code was redeemed, so a row whose session no longer
  // exists is spent and has nothing left to revoke. No date in this statement: the same
  // SQL runs on SQLite and PostgreSQL.
  const codesOfEndedSessions = await db.$executeRaw`
    DELETE FROM "AuthorizationCode" WHERE "sessionId" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "Session" WHERE "Session"."id" = "AuthorizationCode"."sessionId")`;

  // Device authorizations (RFC 8628): after expiry a poll is answered "expired_token",
  // the signal to start over; after the margin, "invalid_grant". Used ones gave their
  // session already and a replay is only refused, so they go at the same time.
  const deviceAuthorizations = await db.deviceAuthorization.deleteMany({ where: { expiresAt: { lte: marginCutoff } } });

  // DPoP jtis: kept exactly as long as a proof carrying them is still accepted (their
  // expiresAt includes the clock leeway); after that a replay fails on its iat.
  const dpopProofJtis = await db.dpopProofJti.deleteMany({ where: { expiresAt: { lte: now } } });

  // Mailed links: an expired one is refused like an unknown one. (A used one is refused
  // too, but it expires soon: 30 minutes for a reset, a day for a verification.)
  const emailTokens = await db.emailToken.deleteMany({ where: { expiresAt: { lte: now } } });

  // The development mailbox shows the newest MAILBOX_SIZE mails; older ones are never
  // shown again.
  const shown = await db.devMail.findMany({ orderBy: { createdAt: "desc" }, take: MAILBOX_SIZE, select: { id: true } });
  const devMails = await db.devMail.deleteMany({ where: { id: { notIn: shown.map((mail) => mail.id) } } });

  // Known devices (lib/auth/devices.ts): one not seen for the device cookie's lifetime can
  // no longer present that cookie; its next sign-in is a new device either way.
  const knownDevices = await db.knownDevice.deleteMany({
    where: { lastSeenAt: { lte: addSeconds(now, -DEVICE_COOKIE_MAX_AGE_SECONDS) } },
  });

  // Rate-limit counters: an expired window starts again from zero (rate-limiter-flexible
  // deletes an expired row before counting), so it carries nothing.
  const rateLimits = await db.rateLimiterFlexible.deleteMany({ where: { expire: { lte: now } } });

  // The audit log is kept for AUDIT_RETENTION_DAYS, then forgotten like the rest.
  const authEvents = await db.authEvent.deleteMany({
    where: { createdAt: { lte: addSeconds(now, -config.auditRetentionDays * 86_400) } },
  });

  return {
    sessions: sessions.count,
    refreshTokens: refreshTokens.count,
    dbscChallenges: sessionChallenges.count + dbscChallenges.count,
    webauthnChallenges: webauthnChallenges.count,
    authorizationCodes: unusedOrOrphanCodes.count + codesOfEndedSessions,
    deviceAuthorizations: deviceAuthorizations.count,
    dpopProofJtis: dpopProofJtis.count,
    emailTokens: emailTokens.count,
    devMails: devMails.count,
    knownDevices: knownDevices.count,
    rateLimits: rateLimits.count,
    authEvents: authEvents.count,
  };
}
