// The gate remembers tokens it verified (lib/auth/edge/tokens.ts). A remembered token
// must still be refused the moment any time-dependent check would refuse it, and a
// token that differs by one byte from a remembered one is verified from scratch.
import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { getKeyring } from "@/lib/auth/edge/keys";
import { signAccessToken, verifyAccessToken } from "@/lib/auth/edge/tokens";

const origin = "http://127.0.0.1:3000";
const LEEWAY_MS = 10_000; // CLOCK_LEEWAY_SECONDS default
const at = (base: Date | number, ms: number) => new Date(new Date(base).getTime() + ms);

async function signed(claims: Record<string, unknown>): Promise<string> {
  const { signing } = await getKeyring();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: origin, aud: origin, sub: "u", sid: "s", jti: "j", iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: signing.kid })
    .sign(signing.key);
}

describe("verified-token memory", () => {
  it("refuses a remembered token once it expires, at the same second jose would", async () => {
    const { token, expiresAt } = await signAccessToken({ userId: "u", sessionId: "s" }, at(Date.now(), -600_000));
    for (const offset of [-1_000, 0, LEEWAY_MS - 1_000]) {
      expect(await verifyAccessToken(token, at(expiresAt, offset))).not.toBeNull();
    }
    for (const offset of [LEEWAY_MS, LEEWAY_MS + 1_000, 3_600_000]) {
      expect(await verifyAccessToken(token, at(expiresAt, offset))).toBeNull();
    }
    // ...and an earlier clock still accepts it: the memory holds claims, not verdicts.
    expect(await verifyAccessToken(token, at(expiresAt, -1_000))).not.toBeNull();
  });

  it("refuses a remembered token for a clock before its iat or nbf", async () => {
    const now = Date.now();
    const iatToken = await signAccessToken({ userId: "u", sessionId: "s" }, new Date(now));
    expect(await verifyAccessToken(iatToken.token, new Date(now))).not.toBeNull();
    expect(await verifyAccessToken(iatToken.token, at(now, -LEEWAY_MS - 2_000))).toBeNull();

    const nbf = Math.floor(now / 1000) + 120;
    const nbfToken = await signed({ nbf, exp: nbf + 600 });
    expect(await verifyAccessToken(nbfToken, new Date(now))).toBeNull();
    expect(await verifyAccessToken(nbfToken, at(nbf * 1000, 0))).not.toBeNull();
    expect(await verifyAccessToken(nbfToken, new Date(now))).toBeNull();
  });

  it("verifies every one-byte variant of a remembered token from scratch", async () => {
    const { token } = await signAccessToken({ userId: "u", sessionId: "s" });
    expect(await verifyAccessToken(token)).not.toBeNull();
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
    const variants = [
      `${h}.${base64url.encode(JSON.stringify({ ...payload, sub: "someone-else" }))}.${s}`,
      // The first character of the signature: all six of its bits are signature bits (the
      // last one's low bits are padding, so changing those can spell the same bytes).
      `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`,
      `${h}.${p}.`,
      `${token}.`,
      ` ${token}`,
      ...Array.from({ length: 16 }, (_, i) => {
        const index = Math.floor((i * token.length) / 16);
        const swapped = token[index] === "x" ? "y" : "x";
        return token.slice(0, index) + swapped + token.slice(index + 1);
      }),
    ];
    for (const variant of variants) expect(await verifyAccessToken(variant), variant).toBeNull();
    expect(await verifyAccessToken(token)).not.toBeNull();
  });

  it("hands out a copy of the claims, so a caller cannot change what the next request sees", async () => {
    const { token } = await signAccessToken({ userId: "u", sessionId: "s" });
    await verifyAccessToken(token);
    const first = await verifyAccessToken(token);
    first!.sub = "someone-else";
    expect((await verifyAccessToken(token))!.sub).toBe("u");
  });

  it("stays bounded and keeps verifying after evicting", async () => {
    const tokens = await Promise.all(
      Array.from({ length: 1100 }, (_, i) => signAccessToken({ userId: `u${i}`, sessionId: "s" })),
    );
    for (const { token } of tokens) expect(await verifyAccessToken(token)).not.toBeNull();
    expect((await verifyAccessToken(tokens[0]!.token))!.sub).toBe("u0");
  });
});
