import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getAuthSecrets } from "../../config";

// TOTP secrets must be readable by the server (it computes the codes), so unlike refresh
// tokens they cannot be stored as hashes. They are sealed with AES-256-GCM (Node's
// crypto) under a key derived from AUTH_SECRET with HKDF: a copy of the database alone
// (a backup, a read-only SQL injection) then holds no usable second factor. Rotating
// AUTH_SECRET keeps old secrets readable while the old value is in AUTH_SECRET_PREVIOUS
// (docs/decisions/0020-second-factor-and-step-up.md).

const VERSION = "v1";
let keys: Buffer[] | undefined;

function sealingKeys(): Buffer[] {
  keys ??= getAuthSecrets().map((secret) => Buffer.from(hkdfSync("sha256", secret, "", "totp-secret-seal", 32)));
  return keys;
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url, under the current secret's key. */
export function sealSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKeys()[0]!, iv);
  const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, ...[iv, sealed, cipher.getAuthTag()].map((part) => part.toString("base64url"))].join(".");
}

/** The plain secret, or null when no configured key opens it (a rotated-out secret). */
export function openSecret(stored: string): string | null {
  const [version, iv, sealed, tag] = stored.split(".");
  if (version !== VERSION || !iv || !sealed || !tag) return null;
  for (const key of sealingKeys()) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(sealed, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      // Sealed under another key: try the next.
    }
  }
  return null;
}
