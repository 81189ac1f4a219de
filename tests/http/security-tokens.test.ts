// Attacks on the access token, against the real server: the edge gate (/dashboard) and
// an API (/api/me) must both refuse, never with a 5xx.
import { SignJWT, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { forgeFor, type Forge } from "../support/forge";
import { login } from "../support/http";
import { startServer, TEST_AUTH_SECRET, type TestServer } from "../support/server";

let server: TestServer;
let forge: Forge;
let refreshToken: string;

beforeAll(async () => {
  server = await startServer();
  const { jar } = await login(server.url, DEMO);
  refreshToken = jar.get("refresh_token")!;
  const me = (await (await fetch(`${server.url}/api/me`, { headers: { cookie: jar.header() } })).json()) as {
    user: { id: string };
    session: { id: string };
  };
  forge = await forgeFor(server.origin, { userId: me.user.id, sessionId: me.session.id });
});
afterAll(() => server?.stop());

async function expectRefused(token: string): Promise<void> {
  const cookie = `access_token=${token}`;
  const api = await fetch(`${server.url}/api/me`, { headers: { cookie } });
  expect(api.status).toBe(401);
  expect(api.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  const page = await fetch(`${server.url}/dashboard`, { headers: { cookie }, redirect: "manual" });
  expect(page.status).toBe(303);
  expect(page.headers.get("location")).toMatch(/^\/api\/auth\/refresh\?next=/);
}

const now = () => Math.floor(Date.now() / 1000);

describe("the forged-token baseline", () => {
  it("a correctly signed token is accepted (so the refusals below are about the attack)", async () => {
    const response = await fetch(`${server.url}/api/me`, {
      headers: { cookie: `access_token=${await forge.signed()}` },
    });
    expect(response.status).toBe(200);
  });
});

describe("access-token attacks", () => {
  for (const alg of ["none", "None", "NONE", "nOnE"]) {
    it(`alg "${alg}"`, async () => {
      await expectRefused(forge.raw({ alg, typ: "at+jwt" }, forge.claims()));
    });
  }

  it("an algorithm outside the keyring (HS512 with the same secret)", async () => {
    const token = await new SignJWT(forge.claims())
      .setProtectedHeader({ alg: "HS512", typ: "at+jwt" })
      .sign(new TextEncoder().encode(TEST_AUTH_SECRET));
    await expectRefused(token);
  });

  it("RS256 header over an HMAC signature (algorithm confusion)", async () => {
    const [, payload, signature] = (await forge.signed()).split(".");
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "at+jwt" })).toString("base64url");
    await expectRefused(`${header}.${payload}.${signature}`);
  });

  it("EdDSA token signed with an attacker's key", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    await expectRefused(
      await new SignJWT(forge.claims()).setProtectedHeader({ alg: "EdDSA", typ: "at+jwt" }).sign(privateKey),
    );
  });

  it("tampered payload", async () => {
    const [header, , signature] = (await forge.signed()).split(".");
    const payload = Buffer.from(JSON.stringify(forge.claims({ sub: "someone-else" }))).toString("base64url");
    await expectRefused(`${header}.${payload}.${signature}`);
  });

  it("tampered signature", async () => {
    const token = await forge.signed();
    await expectRefused(`${token.slice(0, -4)}${token.endsWith("AAAA") ? "BBBB" : "AAAA"}`);
  });

  it("signed with another secret", async () => {
    await expectRefused(
      await forge.signed({}, {}, new TextEncoder().encode("an-attacker-secret-0123456789abcdef0123456789")),
    );
  });

  it("embedded jwk header", async () => {
    await expectRefused(await forge.signed({}, { jwk: { kty: "oct", k: "c2VjcmV0" } }));
  });

  it("jku header", async () => {
    await expectRefused(await forge.signed({}, { jku: "http://127.0.0.1:9/jwks.json" }));
  });

  it("x5u header", async () => {
    await expectRefused(await forge.signed({}, { x5u: "http://127.0.0.1:9/cert.pem" }));
  });

  it("unknown kid", async () => {
    await expectRefused(await forge.signed({}, { kid: "not-a-key" }));
  });

  it("empty kid", async () => {
    await expectRefused(await forge.signed({}, { kid: "" }));
  });

  it("huge kid", async () => {
    await expectRefused(await forge.signed({}, { kid: "k".repeat(10_000) }));
  });

  it("path-like kid", async () => {
    await expectRefused(await forge.signed({}, { kid: "../../../../dev/null" }));
  });

  it("missing exp", async () => {
    await expectRefused(await forge.signed({ exp: undefined }));
  });

  it("string exp", async () => {
    await expectRefused(await forge.signed({ exp: String(now() + 300) }));
  });

  it("expired beyond the 10 s leeway", async () => {
    await expectRefused(await forge.signed({ iat: now() - 700, exp: now() - 11 }));
  });

  it("nbf in the future", async () => {
    await expectRefused(await forge.signed({ nbf: now() + 3600 }));
  });

  it("iat in the future", async () => {
    await expectRefused(await forge.signed({ iat: now() + 3600, exp: now() + 4000 }));
  });

  it("wrong iss", async () => {
    await expectRefused(await forge.signed({ iss: "https://evil.example" }));
  });

  it("wrong aud", async () => {
    await expectRefused(await forge.signed({ aud: "https://evil.example" }));
  });

  it("missing aud", async () => {
    await expectRefused(await forge.signed({ aud: undefined }));
  });

  it("wrong typ", async () => {
    await expectRefused(await forge.signed({}, { typ: "JWT" }));
  });

  it("missing sid", async () => {
    await expectRefused(await forge.signed({ sid: undefined }));
  });

  it("a refresh token in the access cookie", async () => {
    await expectRefused(refreshToken);
  });

  it("a random string", async () => {
    await expectRefused("definitely-not-a-jwt");
  });

  it("JSON-serialised JWS", async () => {
    const [protectedHeader, payload, signature] = (await forge.signed()).split(".");
    await expectRefused(encodeURIComponent(JSON.stringify({ protected: protectedHeader, payload, signature })));
  });

  it("two segments", async () => {
    await expectRefused((await forge.signed()).split(".").slice(0, 2).join("."));
  });

  it("four segments", async () => {
    await expectRefused(`${await forge.signed()}.AAAA`);
  });

  it("non-base64url characters", async () => {
    const [header, payload, signature] = (await forge.signed()).split(".");
    await expectRefused(`${header}.${payload}!.${signature}`);
  });

  it("a token over the size cap", async () => {
    await expectRefused(await forge.signed({ padding: "x".repeat(3000) }));
  });

  it("a valid token for a session that does not exist gets no data", async () => {
    const response = await fetch(`${server.url}/api/me`, {
      headers: { cookie: `access_token=${await forge.signed({ sid: "no-such-session" })}` },
    });
    expect(response.status).toBe(401);
  });
});
