// DPoP proofs (RFC 9449 §4.3): a JWT signed with the client's own key, naming the request
// it was made for. Edge-safe (jose + Web Crypto): the middleware checks what needs no
// state; the jti replay store is server-side (lib/auth/oauth/dpop-replay).
import { base64url, calculateJwkThumbprint, importJWK, jwtVerify, type JWK, type JWTHeaderParameters } from "jose";

// Asymmetric only: a proof must show possession of a private key, and an HMAC "proof"
// would need a shared secret the server does not have. Ed25519 is the fully-specified
// name of EdDSA over Ed25519 (RFC 9864); oauth4webapi (openid-client) signs with it.
export const DPOP_ALGORITHMS = ["ES256", "ES384", "Ed25519", "EdDSA", "RS256", "PS256"] as const;
export const DPOP_PROOF_TYPE = "dpop+jwt";
/** How old a proof may be (its iat), before clock leeway. */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
// Proofs are a few hundred bytes; an RSA-4096 key makes one about 1.5 KB.
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;

// Members that only a private (or symmetric) JWK has: a proof carrying one leaked its key.
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export type DpopProof = { jkt: string; jti: string; iat: number };

export type DpopCheck = { ok: true; proof: DpopProof } | { ok: false; reason: string };

export type DpopExpectation = {
  /**
   * The request the proof must name (htm, htu). "checked-by-gate" only for the second,
   * server-side check of a request whose method and URL the middleware already checked.
   */
  request: { method: string; url: string } | "checked-by-gate";
  /** The access token sent with the proof: its hash must be the proof's ath. */
  accessToken?: string;
  leewaySeconds: number;
  now?: Date;
};

/** RFC 9449 §4.2: htu without query and fragment. */
export function normaliseHtu(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return null;
  }
}

/** base64url(SHA-256(access token)): the ath claim (§4.2). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

function publicJwkOf(header: JWTHeaderParameters): JWK {
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null) throw new Error("the proof carries no jwk");
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) throw new Error("the jwk is a private key");
  return jwk;
}

/** Verifies one DPoP header value; never throws. */
export async function verifyDpopProof(proofJwt: string, expected: DpopExpectation): Promise<DpopCheck> {
  if (proofJwt.length === 0 || proofJwt.length > MAX_PROOF_LENGTH) return { ok: false, reason: "malformed proof" };
  const now = expected.now ?? new Date();
  let jwk: JWK | undefined;
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(
      proofJwt,
      async (header) => {
        jwk = publicJwkOf(header);
        return importJWK(jwk, header.alg);
      },
      { algorithms: [...DPOP_ALGORITHMS], typ: DPOP_PROOF_TYPE, currentDate: now },
    );
    payload = verified.payload;
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "invalid proof" };
  }
  const { jti, htm, htu, iat, ath } = payload;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    return { ok: false, reason: "jti is missing" };
  }
  if (typeof iat !== "number") return { ok: false, reason: "iat is missing" };
  const nowSeconds = now.getTime() / 1000;
  if (iat > nowSeconds + expected.leewaySeconds) return { ok: false, reason: "iat is in the future" };
  if (iat < nowSeconds - DPOP_PROOF_MAX_AGE_SECONDS - expected.leewaySeconds) {
    return { ok: false, reason: "the proof is too old" };
  }
  if (expected.request !== "checked-by-gate") {
    if (htm !== expected.request.method) return { ok: false, reason: "htm does not match the request method" };
    if (typeof htu !== "string" || normaliseHtu(htu) !== normaliseHtu(expected.request.url)) {
      return { ok: false, reason: "htu does not match the request URL" };
    }
  }
  if (expected.accessToken !== undefined) {
    if (ath !== (await accessTokenHash(expected.accessToken))) {
      return { ok: false, reason: "ath does not match the access token" };
    }
  } else if (ath !== undefined) {
    return { ok: false, reason: "ath without an access token" };
  }
  return { ok: true, proof: { jkt: await calculateJwkThumbprint(jwk!, "sha256"), jti, iat } };
}

/** The single DPoP header of a request; two or more (joined by commas) are refused. */
export function dpopHeader(headers: Headers): string | undefined | "multiple" {
  const value = headers.get("dpop");
  if (value === null) return undefined;
  return value.includes(",") ? "multiple" : value.trim();
}
