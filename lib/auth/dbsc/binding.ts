import "server-only";
import type { JWK } from "jose";
import { getConfig } from "../../config";
import { addSeconds, earlier } from "../../dates";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { consumeChallenge, issueChallenge } from "./challenges";
import { DBSC_ALGORITHMS, verifyRefreshProof, verifyRegistrationProof, type ProofFailure } from "./proof";
import { accessTokenCookieAttributes, cookieNames } from "../edge/cookies";
import { signAccessToken } from "../edge/tokens";

// Device Bound Session Credentials (W3C WICG draft; wire format as this machine's
// Chromium speaks it: notes/dbsc-chromium.md). The browser keeps a private key the page
// cannot read; a bound session's access cookie is renewed only against a signature by
// that key over a fresh, single-use challenge. The refresh cookie stays, but it no
// longer extends a bound session by itself (lib/auth/refresh.ts), so a copied cookie
// jar is worth one access-token lifetime.

export const DBSC_REGISTRATION_PATH = "/api/auth/dbsc/register";
export const DBSC_REFRESH_PATH = "/api/auth/dbsc/refresh";

export const DBSC_HEADERS = {
  registration: "Secure-Session-Registration",
  response: "Secure-Session-Response",
  sessionId: "Sec-Secure-Session-Id",
  challenge: "Secure-Session-Challenge",
} as const;

export type SessionInstructions = {
  session_identifier: string;
  refresh_url: string;
  scope: { include_site: boolean; scope_specification: never[] };
  credentials: { type: "cookie"; name: string; attributes: string }[];
};

export type ProofFailureEvent = ProofFailure | "stale_challenge" | "already_bound";

export type BindResult =
  | { ok: true; thumbprint: string; instructions: SessionInstructions }
  | { ok: false; error: "invalid_proof"; failure: ProofFailure }
  | { ok: false; error: "invalid_challenge" | "already_bound" | "session_inactive" };

export type BoundRefreshResult =
  | { kind: "ended" }
  | { kind: "challenge"; challenge: string }
  | { kind: "rejected"; failure: ProofFailure }
  | { kind: "refreshed"; accessToken: string; accessTokenExpiresAt: Date; instructions: SessionInstructions };

const activeSession = (now: Date) => ({ revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } });

/**
 * The `Secure-Session-Registration` header for a response that has just signed a
 * session in or refreshed an unbound one; null over plain http, where browsers do not
 * bind (and `__Host-` cookies do not exist).
 */
export async function registrationOffer(db: Db, sessionId: string, now = new Date()): Promise<string | null> {
  if (!getConfig().secureCookies) return null;
  const challenge = await issueChallenge(db, sessionId, now);
  return `(${DBSC_ALGORITHMS.join(" ")});challenge="${challenge}";path="${DBSC_REGISTRATION_PATH}"`;
}

/** Adds the registration offer to a response's headers (over https only). */
export async function offerDeviceBinding(headers: Headers, db: Db, sessionId: string): Promise<void> {
  const offer = await registrationOffer(db, sessionId);
  if (offer) headers.set(DBSC_HEADERS.registration, offer);
}

export function challengeHeader(challenge: string, sessionId: string): string {
  return `"${challenge}";id="${sessionId}"`;
}

// The access cookie is the bound credential: the browser renews it through the refresh
// route before any request in scope goes out without it. Origin scope only: Chromium
// refuses include_site for a host such as localhost.
export function sessionInstructions(sessionId: string): SessionInstructions {
  return {
    session_identifier: sessionId,
    refresh_url: DBSC_REFRESH_PATH,
    scope: { include_site: false, scope_specification: [] },
    credentials: [{ type: "cookie", name: cookieNames().access, attributes: accessTokenCookieAttributes() }],
  };
}

async function recordProofFailure(
  db: Db,
  session: { userId: string; sessionId: string },
  failure: ProofFailureEvent,
  client: ClientInfo,
  now: Date,
): Promise<void> {
  await recordAuthEvent(db, {
    type: "dbsc_proof_failed",
    userId: session.userId,
    sessionId: session.sessionId,
    client,
    detail: failure,
    now,
  });
}

/**
 * Binds the caller's session (known from its access token) to the public key in the
 * registration proof. Only once: a bound session's key is never replaced, so a thief
 * holding the cookies cannot swap in a key of their own.
 */
export async function bindSession(
  db: Db,
  subject: { userId: string; sessionId: string },
  proof: string,
  client: ClientInfo,
  now = new Date(),
): Promise<BindResult> {
  const verified = await verifyRegistrationProof(proof);
  if (!verified.ok) {
    await recordProofFailure(db, subject, verified.failure, client, now);
    return { ok: false, error: "invalid_proof", failure: verified.failure };
  }
  const outcome = await db.$transaction(async (tx) => {
    if (!(await consumeChallenge(tx, subject.sessionId, verified.challenge, now))) return "invalid_challenge" as const;
    const { count } = await tx.session.updateMany({
      where: { id: subject.sessionId, userId: subject.userId, dbscThumbprint: null, ...activeSession(now) },
      data: {
        dbscPublicKey: JSON.stringify(verified.publicKey),
        dbscAlgorithm: verified.algorithm,
        dbscThumbprint: verified.thumbprint,
        dbscBoundAt: now,
      },
    });
    if (count === 1) {
      await recordAuthEvent(tx, {
        type: "dbsc_bound",
        userId: subject.userId,
        sessionId: subject.sessionId,
        client,
        detail: `${verified.algorithm} key ${verified.thumbprint}`,
        now,
      });
      return "bound" as const;
    }
    const session = await tx.session.findFirst({ where: { id: subject.sessionId, ...activeSession(now) } });
    return session?.dbscThumbprint ? ("already_bound" as const) : ("session_inactive" as const);
  });
  if (outcome === "bound") {
    return { ok: true, thumbprint: verified.thumbprint, instructions: sessionInstructions(subject.sessionId) };
  }
  if (outcome !== "session_inactive") {
    await recordProofFailure(db, subject, outcome === "already_bound" ? outcome : "stale_challenge", client, now);
  }
  return { ok: false, error: outcome };
}

/**
 * The refresh dance of a bound session: without a proof, a challenge; with a valid
 * proof over a live challenge of this session, a new access token. The session's idle
 * expiry moves as a rotation would move it; its absolute expiry never does.
 */
export async function refreshBoundSession(
  db: Db,
  sessionId: string,
  proof: string | null,
  client: ClientInfo,
  now = new Date(),
): Promise<BoundRefreshResult> {
  const session = await db.session.findFirst({
    where: { id: sessionId, dbscPublicKey: { not: null }, ...activeSession(now) },
  });
  if (!session?.dbscPublicKey || !session.dbscAlgorithm) return { kind: "ended" };
  const subject = { userId: session.userId, sessionId };
  if (proof === null) return { kind: "challenge", challenge: await issueChallenge(db, sessionId, now) };

  const verified = await verifyRefreshProof(proof, {
    publicKey: JSON.parse(session.dbscPublicKey) as JWK,
    algorithm: session.dbscAlgorithm,
  });
  if (!verified.ok) {
    await recordProofFailure(db, subject, verified.failure, client, now);
    return { kind: "rejected", failure: verified.failure };
  }

  const idleExpiresAt = earlier(addSeconds(now, getConfig().refreshIdleTtlSeconds), session.absoluteExpiresAt);
  const refreshed = await db.$transaction(async (tx) => {
    if (!(await consumeChallenge(tx, sessionId, verified.challenge, now))) return false;
    // Conditional on the session still being active: a revocation that landed since the
    // read above wins.
    const { count } = await tx.session.updateMany({
      where: { id: sessionId, ...activeSession(now) },
      data: { lastUsedAt: now, idleExpiresAt },
    });
    return count === 1;
  });
  if (!refreshed) {
    // A replayed, expired or foreign challenge under a valid signature: the protocol's
    // answer is a new challenge to sign, which only the key holder can use.
    await recordProofFailure(db, subject, "stale_challenge", client, now);
    return { kind: "challenge", challenge: await issueChallenge(db, sessionId, now) };
  }
  const access = await signAccessToken(subject, now);
  return {
    kind: "refreshed",
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    instructions: sessionInstructions(sessionId),
  };
}

export type DeviceBinding = { thumbprint: string; boundAt: Date } | null;

export function deviceBinding(session: { dbscThumbprint: string | null; dbscBoundAt: Date | null }): DeviceBinding {
  return session.dbscThumbprint && session.dbscBoundAt
    ? { thumbprint: session.dbscThumbprint, boundAt: session.dbscBoundAt }
    : null;
}
