import "server-only";
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Db } from "../../db";
import { consumeWebauthnChallenge, issueWebauthnChallenge, type ChallengeOwner } from "./challenges";
import { ceremonyFailure, type CeremonyFailure } from "./failures";
import { relyingParty } from "./relying-party";
import { challengeOf, splitTransports } from "./registration";

// Checking a passkey's answer (an assertion): what sign-in and re-authentication share.

/**
 * RFC 8176 method of a passkey. A single-device credential's key never leaves its
 * authenticator (a security key, a platform TPM or secure enclave): "hwk". A synced
 * (multi-device, backup-eligible) passkey's key is copied between devices by its
 * provider, so it is not confined to hardware: "swk". (docs/decisions/0021-passkeys.md)
 */
export type PasskeyMethod = "hwk" | "swk";
export const passkeyMethod = (deviceType: string): PasskeyMethod => (deviceType === "singleDevice" ? "hwk" : "swk");

export type VerifiedAssertion = {
  userId: string;
  email: string;
  passkeyId: string;
  method: PasskeyMethod;
  /** The authenticator verified the user (PIN, biometrics): with possession, two factors. */
  userVerified: boolean;
};

export type AssertionResult =
  | { ok: true; assertion: VerifiedAssertion }
  /** `account` is the owner's email when the credential is known (for the failure throttle). */
  | { ok: false; failure: CeremonyFailure; account: string | null };

/**
 * Options for `navigator.credentials.get()`. Sign-in lists no credentials (discoverable
 * ones: the authenticator names the account); re-authentication lists the user's own.
 */
export async function passkeyAssertionOptions(
  db: Db,
  owner: ChallengeOwner,
  now = new Date(),
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { rpID } = relyingParty();
  const challenge = await issueWebauthnChallenge(db, owner ? "reauthentication" : "authentication", owner, now);
  const allowCredentials = owner
    ? (
        await db.passkey.findMany({ where: { userId: owner.userId }, select: { credentialId: true, transports: true } })
      ).map((p) => ({ id: p.credentialId, transports: splitTransports(p.transports) }))
    : [];
  return generateAuthenticationOptions({
    rpID,
    challenge: isoBase64URL.toBuffer(challenge),
    userVerification: "preferred",
    allowCredentials,
  });
}

/**
 * Verifies an assertion against the challenge it signed (spent first, whatever follows),
 * the stored public key, this app's origin and RP ID, and the signature counter; then
 * records the new counter, backup state and last use. `owner` is the signed-in session
 * for re-authentication (the passkey must be that user's), null for sign-in.
 */
export async function verifyPasskeyAssertion(
  db: Db,
  response: AuthenticationResponseJSON,
  owner: ChallengeOwner,
  now = new Date(),
): Promise<AssertionResult> {
  const challenge = challengeOf(response.response.clientDataJSON);
  const purpose = owner ? "reauthentication" : "authentication";
  if (!challenge || !(await consumeWebauthnChallenge(db, purpose, challenge, owner, now))) {
    return { ok: false, failure: { error: "invalid_challenge" }, account: null };
  }
  const passkey = await db.passkey.findUnique({
    where: { credentialId: response.id },
    include: { user: { select: { id: true, email: true } } },
  });
  if (!passkey || (owner && passkey.userId !== owner.userId)) {
    return { ok: false, failure: { error: "unknown_credential" }, account: null };
  }
  const account = passkey.user.email;
  // A discoverable credential names its account (the user handle): it must be the owner
  // we stored, or a credential of one account would answer for another.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== isoBase64URL.fromUTF8String(passkey.userId)) {
    return { ok: false, failure: { error: "invalid_credential", reason: "it names another account" }, account };
  }
  const { rpID, origin } = relyingParty();
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: Number(passkey.signCount),
        transports: splitTransports(passkey.transports),
      },
      requireUserVerification: false,
    });
  } catch (error) {
    return { ok: false, failure: ceremonyFailure(error), account };
  }
  if (!verified.verified) {
    return { ok: false, failure: { error: "invalid_credential", reason: "its signature does not verify" }, account };
  }
  const info = verified.authenticationInfo;
  // Class: two assertions of a cloned authenticator, each with its own challenge, racing
  // with the same counter value. Only one may move the stored counter forward; the other
  // is the clone. Authenticators that do not count (always 0) have nothing to compare.
  const counterGuard = info.newCounter > 0 ? { signCount: { lt: BigInt(info.newCounter) } } : {};
  const { count } = await db.passkey.updateMany({
    where: { id: passkey.id, ...counterGuard },
    data: { signCount: BigInt(info.newCounter), backedUp: info.credentialBackedUp, lastUsedAt: now },
  });
  if (count !== 1) {
    return {
      ok: false,
      failure: {
        error: "invalid_credential",
        reason: "its signature counter went backwards (a cloned authenticator?)",
      },
      account,
    };
  }
  return {
    ok: true,
    assertion: {
      userId: passkey.userId,
      email: account,
      passkeyId: passkey.id,
      method: passkeyMethod(info.credentialDeviceType),
      userVerified: info.userVerified,
    },
  };
}
