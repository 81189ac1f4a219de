// Why a WebAuthn ceremony was refused, as the routes answer it. @simplewebauthn/server
// reports a failed check by throwing an Error whose message names the check; the few we
// explain to the user are told apart here, the rest are "invalid".

export type CeremonyFailure =
  | { error: "invalid_challenge" } // unknown, expired, used, or issued for another ceremony or session
  | { error: "unknown_credential" } // no passkey with this credential ID (removed, or never added here)
  | { error: "passkey_exists" } // registration: this authenticator's passkey is already stored
  | { error: "invalid_credential"; reason: string }; // origin, RP ID, signature, counter, flags, format

const REASONS: [RegExp, string][] = [
  [/origin/i, "it was made on another site"],
  [/RP ID/i, "it was made for another site"],
  [/counter/i, "its signature counter went backwards (a cloned authenticator?)"],
  [/user (?:presence|not present)/i, "the user was not present"],
  [/type/i, "it answers another kind of request"],
  [/signature|public key|alg/i, "its signature does not verify"],
];

export function ceremonyFailure(error: unknown): CeremonyFailure {
  const message = error instanceof Error ? error.message : "";
  const reason = REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? "it is malformed";
  return { error: "invalid_credential", reason };
}
