// The pure parts of the OAuth server, by class of input: redirect URI matching (RFC 8252
// §7.3), user codes (RFC 8628 §6.1), scopes, and DPoP proof checks (RFC 9449 §4.3).
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { verifyDpopProof } from "@/lib/auth/edge/dpop";
import { DEMO_CLI_CLIENT, isAllowedRedirectUri, resolveScope, type OAuthClient } from "@/lib/auth/oauth/clients";
import { formatUserCode, normaliseUserCode } from "@/lib/auth/oauth/device-codes";

describe("redirect URIs", () => {
  const registered: OAuthClient = {
    ...DEMO_CLI_CLIENT,
    allowLoopback: false,
    redirectUris: ["https://app.example/cb"],
  };

  it.each([
    "http://127.0.0.1:1/callback",
    "http://127.0.0.1:65535/callback",
    "http://[::1]:8080/callback",
    "http://127.0.0.1/callback",
  ])("a loopback client may use %s", (uri) => expect(isAllowedRedirectUri(DEMO_CLI_CLIENT, uri)).toBe(true));

  it.each([
    // RFC 8252 §7.3: only the port of a registered loopback URI may vary.
    "http://127.0.0.1:1/cb",
    "http://127.0.0.1:65535/",
    "http://[::1]:8080/callback?x=1",
    "http://127.0.0.1:5000",
    "http://localhost:8080/cb",
    "https://127.0.0.1:8080/cb",
    "http://127.0.0.2/cb",
    "http://0x7f.1/cb",
    "http://2130706433/cb",
    "http://[::ffff:127.0.0.1]/cb",
    "http://user:pw@127.0.0.1:8080/cb",
    "http://127.0.0.1:8080/cb#f",
    "http://127.0.0.1:8080/a/../cb",
    "HTTP://127.0.0.1:8080/cb",
    "http://127.0.0.1.attacker.example/cb",
    "ftp://127.0.0.1/cb",
    "not a url",
    "",
  ])("a loopback client may not use %s", (uri) => expect(isAllowedRedirectUri(DEMO_CLI_CLIENT, uri)).toBe(false));

  it.each(["https://app.example/cb/", "https://app.example/cb?x", "https://APP.example/cb", "https://app.example/c"])(
    "registered URIs match exactly: %s is refused",
    (uri) => expect(isAllowedRedirectUri(registered, uri)).toBe(false),
  );

  it("the registered URI itself is accepted", () => {
    expect(isAllowedRedirectUri(registered, "https://app.example/cb")).toBe(true);
    expect(isAllowedRedirectUri(registered, "http://127.0.0.1:8080/cb")).toBe(false);
  });
});

describe("user codes", () => {
  it.each([
    ["BCDF-GHJK", "BCDFGHJK"],
    ["bcdf-ghjk", "BCDFGHJK"],
    [" BCDF GHJK ", "BCDFGHJK"],
  ])("%s is read as %s", (input, code) => expect(normaliseUserCode(input)).toBe(code));

  it.each(["BCDF-GHJ0", "BCDF-GHJO", "BCDF-GHJ1", "BCDF-GHJI", "BCDF-GHJA", "BCDF-GHJ", "BCDF-GHJKL", "", "BCDF_GHJK"])(
    "%s is not a user code",
    (input) => expect(normaliseUserCode(input)).toBeNull(),
  );

  it("is shown as XXXX-XXXX", () => expect(formatUserCode("BCDFGHJK")).toBe("BCDF-GHJK"));
});

describe("scopes", () => {
  it.each([
    [undefined, "account"],
    ["", "account"],
    ["account", "account"],
    ["account account", "account"],
  ])("%s → %s", (requested, granted) => expect(resolveScope(requested)).toBe(granted));

  it.each(["admin", "account admin", "openid", "ACCOUNT", "account  "])("%s → invalid_scope", (requested) =>
    expect(resolveScope(requested)).toBeNull(),
  );
});

describe("DPoP proofs", () => {
  const URL = "https://app.example/api/me";
  const now = new Date("2026-11-27T12:00:00Z");
  const iat = Math.floor(now.getTime() / 1000);

  async function proof(options: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}) {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk: JWK = await exportJWK(publicKey);
    return new SignJWT({ htm: "GET", htu: URL, iat, jti: randomBytes(8).toString("hex"), ...options.claims })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk, ...options.header })
      .sign(privateKey);
  }

  const check = (jwt: string, request = { method: "GET", url: URL }) =>
    verifyDpopProof(jwt, { request, leewaySeconds: 10, now });

  it("accepts a good proof; htu ignores query and fragment (§4.3)", async () => {
    expect((await check(await proof())).ok).toBe(true);
    expect((await check(await proof({ claims: { htu: `${URL}?a=1#x` } }))).ok).toBe(true);
  });

  it("refuses a private key in jwk, by its own check, before any signature work", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const result = await check(await proof({ header: { jwk: privateJwk } }));
    expect(result).toEqual({ ok: false, reason: "the jwk is a private key" });
  });

  it.each([
    ["another method", { claims: { htm: "POST" } }],
    ["another path", { claims: { htu: "https://app.example/api/sessions" } }],
    ["another origin", { claims: { htu: "https://attacker.example/api/me" } }],
    ["iat 71 s old", { claims: { iat: iat - 71 } }],
    ["iat 11 s ahead", { claims: { iat: iat + 11 } }],
    ["no iat", { claims: { iat: undefined } }],
    ["an empty jti", { claims: { jti: "" } }],
    ["an ath without a token", { claims: { ath: "x" } }],
    ["typ JWT", { header: { typ: "JWT" } }],
    ["no jwk", { header: { jwk: undefined } }],
    ["a symmetric jwk", { header: { jwk: { kty: "oct", k: "c2VjcmV0" } } }],
  ])("refuses %s", async (_name, options) => {
    expect((await check(await proof(options))).ok).toBe(false);
  });
});
