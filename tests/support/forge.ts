// Builds access tokens the way an attacker would, for the attack tests.
import { SignJWT, base64url } from "jose";
import { buildKeyring } from "../../lib/auth/edge/keys";
import { TEST_AUTH_SECRET } from "./server";

export type Forge = {
  /** A token signed with the server's real key; claims and header overridable. */
  signed(
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
    key?: CryptoKey | Uint8Array,
  ): Promise<string>;
  /** Header and payload encoded as given, with an arbitrary signature segment. */
  raw(header: Record<string, unknown>, claims: Record<string, unknown>, signature?: string): string;
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
};

export async function forgeFor(origin: string, subject: { userId: string; sessionId: string }): Promise<Forge> {
  const { signing } = await buildKeyring([TEST_AUTH_SECRET]);
  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: origin,
      aud: origin,
      sub: subject.userId,
      sid: subject.sessionId,
      jti: "j",
      iat: now,
      exp: now + 300,
      ...overrides,
    };
  };
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return {
    claims,
    signed: (overrides = {}, header = {}, key = signing.key) =>
      new SignJWT(claims(overrides))
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: signing.kid, ...header })
        .sign(key),
    raw: (header, body, signature = "") => `${encode(header)}.${encode(body)}.${signature}`,
  };
}
