// DBSC proofs built the way a browser (or an attacker) would: a device key, a signed
// `dbsc+jwt`, and the unsigned token that `alg: none` puts on the wire.
import {
  base64url,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from "jose";

export type DbscKey = { privateKey: CryptoKey; jwk: JWK; alg: "ES256" | "RS256" };

export async function dbscKey(alg: "ES256" | "RS256" = "ES256"): Promise<DbscKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey), alg };
}

/** A `dbsc+jwt` signed with the key; the header may add or override any field (`typ: undefined` drops it). */
export function dbscProof(key: DbscKey, payload: object, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ ...payload })
    .setProtectedHeader({ alg: key.alg, typ: "dbsc+jwt", ...header } as JWTHeaderParameters)
    .sign(key.privateKey);
}

export function unsignedJwt(header: object, payload: object): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}.`;
}
