// The signing keyring. Edge-safe (Web Crypto only).
// - HS256: the current AUTH_SECRET signs; it and every AUTH_SECRET_PREVIOUS verify.
// - EdDSA (optional): with AUTH_ED25519_PRIVATE_KEY set, that key signs instead, its
//   public key is published at /.well-known/jwks.json, and the HS256 secrets still
//   verify, so switching modes signs nobody out.
// Each key has its own `kid` and algorithm; a token must name both correctly.
import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, type JWK } from "jose";
import { getAuthSecrets, getEd25519PrivateKey } from "@/lib/config";

export type KeyAlgorithm = "HS256" | "EdDSA";
export type KeyEntry = { kid: string; alg: KeyAlgorithm; key: CryptoKey };

export type Keyring = {
  signing: KeyEntry;
  verifying: ReadonlyMap<string, KeyEntry>;
  /** Public keys only, for other services to verify access tokens. */
  publicJwks: JWK[];
};

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The kid names a secret without revealing it: a truncated hash under a fixed label.
async function hmacEntry(secret: string): Promise<KeyEntry> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`access-token-kid:${secret}`));
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  return { kid: base64url(digest).slice(0, 16), alg: "HS256", key };
}

async function ed25519Entries(pem: string): Promise<{ signing: KeyEntry; verifying: KeyEntry; jwk: JWK }> {
  const privateKey = await importPKCS8(pem, "EdDSA", { extractable: true });
  // Web Crypto cannot derive the public key directly; its JWK export carries it (x).
  const { kty, crv, x } = await exportJWK(privateKey);
  const jwk: JWK = { kty, crv, x };
  const kid = await calculateJwkThumbprint(jwk);
  const publicKey = (await importJWK(jwk, "EdDSA")) as CryptoKey;
  return {
    signing: { kid, alg: "EdDSA", key: privateKey },
    verifying: { kid, alg: "EdDSA", key: publicKey },
    jwk: { ...jwk, kid, alg: "EdDSA", use: "sig" },
  };
}

export async function buildKeyring(secrets: readonly string[], ed25519Pem?: string | null): Promise<Keyring> {
  const hmac = await Promise.all(secrets.map(hmacEntry));
  const ed = ed25519Pem ? await ed25519Entries(ed25519Pem) : null;
  const signing = ed?.signing ?? hmac[0];
  if (!signing) throw new Error("the keyring needs at least one secret");
  const verifying = [...(ed ? [ed.verifying] : []), ...hmac];
  return {
    signing,
    verifying: new Map(verifying.map((entry) => [entry.kid, entry])),
    publicJwks: ed ? [ed.jwk] : [],
  };
}

let keyring: Promise<Keyring> | undefined;

// Keys are imported once per process: jose re-imports raw bytes on every call, which
// costs about a third of a verification.
export function getKeyring(): Promise<Keyring> {
  keyring ??= buildKeyring(getAuthSecrets(), getEd25519PrivateKey());
  return keyring;
}
