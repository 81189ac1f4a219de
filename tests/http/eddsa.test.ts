// Asymmetric mode: Ed25519 signs, the public key is published, other services verify.
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { forgeFor } from "../support/forge";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jwks: JSONWebKeySet;
let accessToken: string;

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  // One line with literal \n, the way environment files usually carry a PEM.
  server = await startServer({ AUTH_ED25519_PRIVATE_KEY: pem.replace(/\n/g, "\\n") });
  jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  accessToken = (await login(server.url, DEMO)).jar.get("access_token")!;
});
afterAll(() => server?.stop());

describe("EdDSA mode", () => {
  it("publishes exactly one public key and no private part", () => {
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("issues EdDSA access tokens that another service verifies with the JWKS alone", async () => {
    const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
      issuer: server.origin,
      audience: server.origin,
      typ: "at+jwt",
    });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: jwks.keys[0]!.kid });
    expect(payload.sid).toEqual(expect.any(String));
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie: `access_token=${accessToken}` } })).status).toBe(
      200,
    );
  });

  it("refuses HS256 signed with the published public key (key confusion)", async () => {
    const jwk = jwks.keys[0]!;
    const claims = (await forgeFor(server.origin, { userId: "u", sessionId: "s" })).claims();
    for (const secret of [JSON.stringify(jwk), jwk.x!, Buffer.from(jwk.x!, "base64url").toString("latin1")]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: jwk.kid })
        .sign(new TextEncoder().encode(secret));
      const response = await fetch(`${server.url}/api/me`, { headers: { cookie: `access_token=${token}` } });
      expect(response.status).toBe(401);
    }
  });

  it("still accepts HS256 tokens from the secret, so switching modes signs nobody out", async () => {
    const { jar } = await login(server.url, DEMO);
    const me = (await (await fetch(`${server.url}/api/me`, { headers: { cookie: jar.header() } })).json()) as {
      user: { id: string };
      session: { id: string };
    };
    const forge = await forgeFor(server.origin, { userId: me.user.id, sessionId: me.session.id });
    const hs256 = await forge.signed();
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie: `access_token=${hs256}` } })).status).toBe(200);
  });
});

describe("HS256 mode", () => {
  it("publishes no keys", async () => {
    const plain = await startServer();
    try {
      expect(await (await fetch(`${plain.url}/.well-known/jwks.json`)).json()).toEqual({ keys: [] });
    } finally {
      await plain.stop();
    }
  });
});
