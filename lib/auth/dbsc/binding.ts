import "server-only";
import type { JWK } from "jose";
import { getConfig } from "../../config";
import { addSeconds, earlier } from "../../dates";
import type { Db } from "../../db";
import { recordAuthEvent } from "../audit";
import { checkSessionBinding } from "../bindings";
import type { ClientInfo } from "../client-info";
import { credentialLessLimits } from "../rate-limit";
import { consumeChallenge, issueChallenge } from "./challenges";
import { DBSC_ALGORITHMS, verifyRefreshProof, verifyRegistrationProof, type ProofFailure } from "./proof";
import { accessTokenCookieAttributes, cookieNames } from "../edge/cookies";
import { signAccessToken } from "../edge/tokens";
import { bindingOf } from "../token-pair";

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
  | { ok: false; error: "invalid_challenge" | "already_bound" | "session_inactive" | "not_bindable" };

export type BoundRefreshResult =
  | { kind: "ended" }
  | { kind: "challenge"; challenge: string }
  | { kind: "rejected"; failure: ProofFailure }
  | { kind: "rate_limited"; retryAfterSeconds: number }
  | { kind: "refreshed"; accessToken: string; accessTokenExpiresAt: Date; instructions: SessionInstructions };

const activeSession = (now: Date) => ({ revokedAt: null, idleExpiresAt: { gt: now }, absoluteExpiresAt: { gt: now } });

/**
 * The `Secure-Session-Registration` header for the response that has just started a
 * browser session (a sign-in), and for no other: a thief replaying a copied refresh
 * cookie must not be offered a binding of its own (review finding 3). Null over plain
 * http, where browsers do not bind (and `__Host-` cookies do not exist).
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
    // Which sessions may be bound is the binding module's to say (lib/auth/bindings.ts):
    // a plain browser session, never an OAuth client's (review finding 2).
    // (Already bound is answered after the challenge, as a race with another
    // registration is: the conditional update below.)
    const judged = await tx.session.findFirst({ where: { id: subject.sessionId, userId: subject.userId } });
    const decision = judged && checkSessionBinding("dbsc_register", judged, { accessVia: "cookie" });
    if (decision && !decision.ok && decision.failure === "wrong_channel") return "not_bindable" as const;
    if (!(await consumeChallenge(tx, subject.sessionId, verified.challenge, now))) return "invalid_challenge" as const;
    // Conditional: of two registrations racing, one binds; a session's channel and client
    // never change, so what was judged above still holds.
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
  if (outcome === "not_bindable") return { ok: false, error: "not_bindable" };
  if (outcome !== "session_inactive") {
    await recordProofFailure(db, subject, outcome === "already_bound" ? outcome : "stale_challenge", client, now);
  }
  return { ok: false, error: outcome };
}

/**
 * The refresh dance of a bound session: without a proof, a challenge; with a valid
 * proof over a live challenge of this session, a new access token. The session's idle
 * expiry moves as a rotation would move it; its absolute expiry never does.
 *
 * A session id is no credential (the browser sends it in a header), so everything
 * answered before a proof verifies is counted against the client's address: each
 * challenge is a row, and a stranger naming someone's session must not write without
 * limit. Nor is a bad proof written to that session's audit log: it was not the
 * owner's doing, and the counter is where guessing shows.
 */
export async function refreshBoundSession(
  db: Db,
  sessionId: string,
  proof: string | null,
  client: ClientInfo,
  now = new Date(),
): Promise<BoundRefreshResult> {
  const session = await db.session.findFirst({ where: { id: sessionId, ...activeSession(now) } });
  const unproven = async (answer: () => BoundRefreshResult | Promise<BoundRefreshResult>) => {
    const limit = await credentialLessLimits.consumeDbscRefresh(db, client.ip);
    return limit.limited ? { kind: "rate_limited" as const, retryAfterSeconds: limit.retryAfterSeconds } : answer();
  };
  // Only a device-bound browser session is refreshed here (lib/auth/bindings.ts).
  if (!session || !checkSessionBinding("dbsc_refresh", session).ok) return unproven(() => ({ kind: "ended" }));
  if (!session.dbscPublicKey || !session.dbscAlgorithm) return unproven(() => ({ kind: "ended" }));
  if (proof === null) {
    return unproven(async () => ({ kind: "challenge", challenge: await issueChallenge(db, sessionId, now) }));
  }
  const verified = await verifyRefreshProof(proof, {
    publicKey: JSON.parse(session.dbscPublicKey) as JWK,
    algorithm: session.dbscAlgorithm,
  });
  if (!verified.ok) return unproven(() => ({ kind: "rejected", failure: verified.failure }));
  const subject = { userId: session.userId, sessionId };

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
    // answer is a new challenge to sign, which only the key holder can use. Signed by
    // the session's own key, so the event belongs on its log.
    await recordProofFailure(db, subject, "stale_challenge", client, now);
    return { kind: "challenge", challenge: await issueChallenge(db, sessionId, now) };
  }
  // The session's own bindings go into the token, as every other door's tokens carry them.
  const access = await signAccessToken({ ...subject, ...bindingOf(session) }, now);
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
