import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { buildKeyring, getKeyring } from "@/lib/auth/edge/keys";
import { signAccessToken, verifyAccessToken } from "@/lib/auth/edge/tokens";

const subject = { userId: "user-1", sessionId: "session-1" };
const origin = "http://127.0.0.1:3000";

async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key?: CryptoKey | Uint8Array,
): Promise<string> {
  const { signing } = await getKeyring();
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: origin, aud: origin, sub: "user-1", sid: "session-1", jti: "j", iat: now, exp: now + 60 };
  return new SignJWT({ ...payload, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: signing.kid, ...header })
    .sign(key ?? signing.key);
}

describe("access tokens", () => {
  it("round-trips the design's claims and header", async () => {
    const { token, expiresAt } = await signAccessToken(subject);
    const [header] = token.split(".");
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header!)))).toMatchObject({
      alg: "HS256",
      typ: "at+jwt",
      kid: expect.any(String),
    });
    const claims = await verifyAccessToken(token);
    expect(claims).toMatchObject({ sub: "user-1", sid: "session-1", jti: expect.any(String) });
    expect(claims!.exp * 1000).toBe(expiresAt.getTime());
  });

  it("gives every token its own jti", async () => {
    const a = await verifyAccessToken((await signAccessToken(subject)).token);
    const b = await verifyAccessToken((await signAccessToken(subject)).token);
    expect(a!.jti).not.toBe(b!.jti);
  });

  it("accepts expiry within the 10 s leeway and rejects beyond it", async () => {
    const issued = new Date(Date.now() - 600_000);
    const { token, expiresAt } = await signAccessToken(subject, issued);
    expect(await verifyAccessToken(token, new Date(expiresAt.getTime() + 5_000))).not.toBeNull();
    expect(await verifyAccessToken(token, new Date(expiresAt.getTime() + 11_000))).toBeNull();
  });

  it("rejects a tampered payload or signature", async () => {
    const { token } = await signAccessToken(subject);
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    const forgedPayload = base64url.encode(JSON.stringify({ ...payload, sub: "someone-else" }));
    expect(await verifyAccessToken(`${h}.${forgedPayload}.${s}`)).toBeNull();
    const flipped = s!.slice(0, -2) + (s!.endsWith("AA") ? "BB" : "AA");
    expect(await verifyAccessToken(`${h}.${p}.${flipped}`)).toBeNull();
  });

  it("rejects alg none", async () => {
    const { token } = await signAccessToken(subject);
    const [, p] = token.split(".");
    for (const alg of ["none", "None", "NONE"]) {
      const h = base64url.encode(JSON.stringify({ alg, typ: "at+jwt" }));
      expect(await verifyAccessToken(`${h}.${p}.`)).toBeNull();
    }
  });

  it("rejects tokens signed with another secret, an unknown kid, or embedded key material", async () => {
    const other = await buildKeyring(["another-secret-that-is-long-enough-0123456789"]);
    expect(await verifyAccessToken(await forge({}, {}, other.signing.key))).toBeNull();
    expect(await verifyAccessToken(await forge({}, { kid: "unknown" }))).toBeNull();
    expect(await verifyAccessToken(await forge({}, { kid: "../../etc/passwd" }))).toBeNull();
    expect(await verifyAccessToken(await forge({}, { jku: "http://127.0.0.1:9/keys" }))).toBeNull();
    expect(await verifyAccessToken(await forge({}, { jwk: { kty: "oct", k: "AAAA" } }))).toBeNull();
  });

  it("rejects wrong issuer, audience and type, and missing session id", async () => {
    expect(await verifyAccessToken(await forge({ iss: "http://evil.example" }))).toBeNull();
    expect(await verifyAccessToken(await forge({ aud: "http://evil.example" }))).toBeNull();
    expect(await verifyAccessToken(await forge({}, { typ: "JWT" }))).toBeNull();
    expect(await verifyAccessToken(await forge({ sid: undefined }))).toBeNull();
    expect(await verifyAccessToken(await forge({}))).not.toBeNull();
  });

  it("rejects an iat in the future", async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await verifyAccessToken(await forge({ iat: future, exp: future + 60 }))).toBeNull();
  });

  it("rejects garbage and oversized input without throwing", async () => {
    for (const token of ["", "abc", "a.b", "a.b.c.d", "{}", "x".repeat(5000)]) {
      expect(await verifyAccessToken(token)).toBeNull();
    }
  });

  it("verifies tokens signed with a previous secret after rotation", async () => {
    const oldSecret = "the-previous-secret-0123456789abcdef0123456789";
    const newSecret = "the-current-secret-0123456789abcdef01234567890";
    const before = await buildKeyring([oldSecret]);
    const after = await buildKeyring([newSecret, oldSecret]);
    expect(after.signing.kid).not.toBe(before.signing.kid);
    expect(after.verifying.get(before.signing.kid)).toBeDefined();
  });
});

describe("EdDSA keyring", () => {
  const secret = "unit-test-secret-0123456789abcdef0123456789abcdef";

  async function edKeyring() {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    return buildKeyring([secret], pem);
  }

  it("signs with Ed25519, publishes only the public key, and keeps HS256 secrets verifying", async () => {
    const keyring = await edKeyring();
    expect(keyring.signing.alg).toBe("EdDSA");
    expect(keyring.publicJwks).toEqual([
      { kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: keyring.signing.kid, alg: "EdDSA", use: "sig" },
    ]);
    expect(JSON.stringify(keyring.publicJwks)).not.toContain('"d"');
    const kinds = [...keyring.verifying.values()].map((entry) => entry.alg).sort();
    expect(kinds).toEqual(["EdDSA", "HS256"]);
  });
});
