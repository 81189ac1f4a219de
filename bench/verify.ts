// In-process micro-benchmarks for `npm run bench` (bench/run.ts spawns this with tsx
// --conditions=react-server, AUTH_SECRET and APP_URL set, pinned to one core):
// - access-token verification as the gate does it (verifyAccessToken: jose + the
//   keyring's cached CryptoKey) against its two floors, a raw HMAC-SHA256 of the same
//   signing input with node:crypto and crypto.subtle.verify with the cached key;
// - EdDSA verification with jose (a key pair generated here: not in the keyring);
// - one bcryptjs comparison at BENCH_BCRYPT_COST (the bound on logins per second).
// With BENCH_VERIFY_MODE=eddsa-keyring (and AUTH_ED25519_PRIVATE_KEY set by the caller)
// it measures only verifyAccessToken on a token the EdDSA keyring signed.
// Prints one JSON object on stdout. Settings: BENCH_VERIFY_SECONDS (per measurement and
// round), BENCH_VERIFY_ROUNDS, BENCH_BCRYPT_COST, BENCH_BCRYPT_ITERATIONS.
import { createHmac, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";
import { SignJWT, generateKeyPair, jwtVerify } from "jose";
import { getConfig } from "../lib/config";
import { getKeyring } from "../lib/auth/edge/keys";
import { signAccessToken, verifyAccessToken } from "../lib/auth/edge/tokens";
import { median } from "./harness/stats";

const seconds = Number(process.env.BENCH_VERIFY_SECONDS ?? "0.5");
const rounds = Number(process.env.BENCH_VERIFY_ROUNDS ?? "3");
const bcryptCost = Number(process.env.BENCH_BCRYPT_COST ?? "12");
const bcryptIterations = Number(process.env.BENCH_BCRYPT_ITERATIONS ?? "5");
const eddsaKeyring = process.env.BENCH_VERIFY_MODE === "eddsa-keyring";

type Case = { name: string; run: () => Promise<unknown> | unknown };

// Microseconds per call, awaiting each call (as a request would), in batches so that the
// clock is read rarely.
async function microsecondsPerCall(run: Case["run"]): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let calls = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i += 1) await run();
    calls += 100;
  }
  return ((performance.now() - started) * 1000) / calls;
}

function base64urlDecode(value: string): Buffer {
  return Buffer.from(value, "base64url");
}

const config = getConfig();
const { signing } = await getKeyring();
const secret = process.env.AUTH_SECRET ?? "";
const { token } = await signAccessToken({ userId: "bench-user", sessionId: "bench-session" });
if (!(await verifyAccessToken(token))) throw new Error("the freshly signed access token does not verify");
if (signing.alg !== (eddsaKeyring ? "EdDSA" : "HS256")) throw new Error(`the keyring signs with ${signing.alg}`);

const [headerPart, payloadPart, signaturePart] = token.split(".") as [string, string, string];
const signingInput = `${headerPart}.${payloadPart}`;
const signingInputBytes = new TextEncoder().encode(signingInput);
const signature = new Uint8Array(base64urlDecode(signaturePart));
const secretBytes = new TextEncoder().encode(secret);

const ed = await generateKeyPair("EdDSA");
const edToken = await new SignJWT({ sid: "bench-session" })
  .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt" })
  .setIssuer(config.appOrigin)
  .setAudience(config.appOrigin)
  .setSubject("bench-user")
  .setIssuedAt()
  .setExpirationTime("1h")
  .setJti(crypto.randomUUID())
  .sign(ed.privateKey);

const joseOptions = {
  algorithms: ["HS256"],
  issuer: config.appOrigin,
  audience: config.appOrigin,
  typ: "at+jwt",
};

const hs256Cases: Case[] = [
  { name: "verifyAccessToken (jose HS256, cached CryptoKey, all claim checks)", run: () => verifyAccessToken(token) },
  { name: "jose jwtVerify HS256, cached CryptoKey", run: () => jwtVerify(token, signing.key, joseOptions) },
  {
    name: "jose jwtVerify HS256, raw secret bytes (key imported per call)",
    run: () => jwtVerify(token, secretBytes, joseOptions),
  },
  {
    name: "crypto.subtle.verify HMAC, cached CryptoKey",
    run: () => crypto.subtle.verify("HMAC", signing.key, signature, signingInputBytes),
  },
  {
    name: "node:crypto createHmac SHA-256 + timingSafeEqual",
    run: () => timingSafeEqual(createHmac("sha256", secret).update(signingInput).digest(), signature),
  },
  {
    name: "EdDSA (jose, not yet in the keyring)",
    run: () => jwtVerify(edToken, ed.publicKey, { ...joseOptions, algorithms: ["EdDSA"] }),
  },
];
const cases: Case[] = eddsaKeyring
  ? [{ name: "verifyAccessToken, EdDSA keyring (AUTH_ED25519_PRIVATE_KEY)", run: () => verifyAccessToken(token) }]
  : hs256Cases;

// Warm up every case, then alternate them over the rounds and keep the median.
for (const c of cases) for (let i = 0; i < 2000; i += 1) await c.run();
const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const c of cases) samples.get(c.name)!.push(await microsecondsPerCall(c.run));
}

// bcrypt: one comparison is one login's floor; bcryptjs runs it on the JS thread.
async function bcryptMilliseconds(): Promise<number[]> {
  const hash = await bcrypt.hash("bench-password-0123", bcryptCost);
  await bcrypt.compare("bench-password-0123", hash);
  const ms: number[] = [];
  for (let i = 0; i < bcryptIterations; i += 1) {
    const started = performance.now();
    await bcrypt.compare("bench-password-0123", hash);
    ms.push(performance.now() - started);
  }
  return ms;
}
const bcryptMs = eddsaKeyring ? null : await bcryptMilliseconds();

const round2 = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    tokenBytes: token.length,
    edTokenBytes: edToken.length,
    verification: cases.map((c) => ({
      name: c.name,
      microseconds: round2(median(samples.get(c.name)!) ?? 0),
      rounds: samples.get(c.name)!.map(round2),
    })),
    bcrypt: bcryptMs && {
      cost: bcryptCost,
      iterations: bcryptIterations,
      medianMs: round2(median(bcryptMs) ?? 0),
      ms: bcryptMs.map(round2),
    },
  })}\n`,
);
