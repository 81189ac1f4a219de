// The signing keyring: the current AUTH_SECRET signs, it and every AUTH_SECRET_PREVIOUS
// verify, each under its own `kid`. Edge-safe (Web Crypto only).
import { getAuthSecrets } from "../config";

export const ACCESS_TOKEN_ALGORITHMS = ["HS256"] as const;

export type Keyring = {
  signing: { kid: string; key: CryptoKey };
  verifying: ReadonlyMap<string, CryptoKey>;
};

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The kid names a secret without revealing it: a truncated hash under a fixed label.
async function kidOf(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`access-token-kid:${secret}`));
  return base64url(digest).slice(0, 16);
}

async function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

export async function buildKeyring(secrets: readonly string[]): Promise<Keyring> {
  const entries = await Promise.all(secrets.map(async (s) => [await kidOf(s), await importHmacKey(s)] as const));
  const first = entries[0];
  if (!first) throw new Error("the keyring needs at least one secret");
  return { signing: { kid: first[0], key: first[1] }, verifying: new Map(entries) };
}

let keyring: Promise<Keyring> | undefined;

// Keys are imported once per process: jose re-imports raw bytes on every call, which
// costs about a third of a verification.
export function getKeyring(): Promise<Keyring> {
  keyring ??= buildKeyring(getAuthSecrets());
  return keyring;
}
