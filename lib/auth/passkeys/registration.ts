import "server-only";
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Db } from "../../db";
import { notifyFactorChanged } from "../notifications";
import { recordAuthEvent } from "../audit";
import type { ClientInfo } from "../client-info";
import { consumeWebauthnChallenge, issueWebauthnChallenge } from "./challenges";
import { ceremonyFailure, type CeremonyFailure } from "./failures";
import { relyingParty } from "./relying-party";
import { toPasskeyView, type PasskeyView } from "./views";

// Adding a passkey to a signed-in account: options (a challenge tied to this session),
// then the authenticator's answer, verified by @simplewebauthn/server. Attestation is not
// asked for ("none"): we trust the account holder's choice of authenticator and keep no
// vendor allow-list, so there is nothing to check a certificate chain against.

/** Passkeys an account may hold: enough for every device a person has, not a storage bin. */
export const MAX_PASSKEYS_PER_USER = 20;

export type SignedInUser = { userId: string; email: string; sessionId: string };

/** The WebAuthn user handle: the account id's bytes (no personal data; the email is only the label). */
export const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(new TextEncoder().encode(userId));

export const splitTransports = (stored: string) =>
  stored.split(",").filter(Boolean) as NonNullable<RegistrationResponseJSON["response"]["transports"]>;

export type RegistrationOptionsResult =
  { ok: true; options: PublicKeyCredentialCreationOptionsJSON } | { ok: false; error: "too_many_passkeys" };

export async function passkeyRegistrationOptions(
  db: Db,
  user: SignedInUser,
  now = new Date(),
): Promise<RegistrationOptionsResult> {
  const existing = await db.passkey.findMany({
    where: { userId: user.userId },
    select: { credentialId: true, transports: true },
  });
  if (existing.length >= MAX_PASSKEYS_PER_USER) return { ok: false, error: "too_many_passkeys" };
  const { rpID, rpName } = relyingParty();
  const challenge = await issueWebauthnChallenge(db, "registration", user, now);
  const options = await generateRegistrationOptions({
    rpName,
    rpID,
    userName: user.email,
    userDisplayName: user.email,
    userID: userHandleOf(user.userId),
    challenge: isoBase64URL.toBuffer(challenge),
    attestationType: "none",
    // Discoverable: the authenticator keeps the account, so sign-in needs no email first
    // (and the browser can offer it in the email field's autofill).
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    // The authenticator refuses to make a second passkey for this account.
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: splitTransports(p.transports) })),
  });
  return { ok: true, options };
}

export type RegisterResult = { ok: true; passkey: PasskeyView } | { ok: false; failure: CeremonyFailure };

/** Verifies the authenticator's answer to this session's registration challenge and stores the passkey. */
export async function registerPasskey(
  db: Db,
  user: SignedInUser,
  response: RegistrationResponseJSON,
  name: string,
  client: ClientInfo,
  now = new Date(),
): Promise<RegisterResult> {
  const challenge = challengeOf(response.response.clientDataJSON);
  if (!challenge || !(await consumeWebauthnChallenge(db, "registration", challenge, user, now))) {
    return { ok: false, failure: { error: "invalid_challenge" } };
  }
  const { rpID, origin } = relyingParty();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
  } catch (error) {
    return { ok: false, failure: ceremonyFailure(error) };
  }
  if (!verified.verified) return { ok: false, failure: { error: "invalid_credential", reason: "not verified" } };
  const info = verified.registrationInfo;
  if (await db.passkey.findUnique({ where: { credentialId: info.credential.id }, select: { id: true } })) {
    return { ok: false, failure: { error: "passkey_exists" } };
  }
  const created = await db.passkey
    .create({
      data: {
        userId: user.userId,
        credentialId: info.credential.id,
        publicKey: new Uint8Array(info.credential.publicKey),
        signCount: BigInt(info.credential.counter),
        transports: (response.response.transports ?? info.credential.transports ?? []).join(","),
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
        createdAt: now,
      },
    })
    // Two answers carrying the same new credential at once: the unique index admits one.
    .catch(() => null);
  if (!created) return { ok: false, failure: { error: "passkey_exists" } };
  await recordAuthEvent(db, {
    type: "passkey_added",
    userId: user.userId,
    sessionId: user.sessionId,
    client,
    detail: created.name,
    now,
  });
  notifyFactorChanged(db, { id: user.userId }, { factor: "passkey", action: "added", name: created.name }, client);
  return { ok: true, passkey: toPasskeyView(created) };
}

/** The challenge the browser signed, read from clientDataJSON; null when unreadable. */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const challenge: unknown = decodeClientDataJSON(clientDataJSON).challenge;
    return typeof challenge === "string" && challenge.length <= 128 ? challenge : null;
  } catch {
    return null;
  }
}
