import "server-only";
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type JWK,
  type ProtectedHeaderParameters,
} from "jose";

// Proofs of possession of a DBSC key: a `dbsc+jwt` whose `jti` is a challenge the server
// handed out (notes/dbsc-chromium.md, "Wire format"). Only signatures are checked here;
// whether the challenge is live and belongs to the session is the database's question
// (lib/auth/dbsc/challenges.ts).

/** What the registration offer lists, most preferred first. */
export const DBSC_ALGORITHMS = ["ES256", "RS256"] as const;
export type DbscAlgorithm = (typeof DBSC_ALGORITHMS)[number];

export const DBSC_PROOF_TYPE = "dbsc+jwt";

// Generous for an RSA-4096 jwk in the header, small enough to refuse junk before parsing.
const MAX_PROOF_LENGTH = 4096;

// Members that only a private (or symmetric) JWK has: a browser that sends one has leaked
// its key, and a server that stored it would hold a secret it must never have.
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

// The public members per key type; anything else in the jwk is dropped before storing.
const PUBLIC_JWK_MEMBERS = { EC: ["kty", "crv", "x", "y"], RSA: ["kty", "n", "e"] } as const;

export type ProofFailure =
  | "malformed_proof"
  | "unsupported_algorithm"
  | "wrong_type"
  | "missing_key"
  | "private_key_material"
  | "invalid_key"
  | "bad_signature";

export type RegistrationProof = {
  ok: true;
  algorithm: DbscAlgorithm;
  publicKey: JWK;
  thumbprint: string;
  challenge: string;
};

export type ProofResult<T> = T | { ok: false; failure: ProofFailure };

function isDbscAlgorithm(alg: unknown): alg is DbscAlgorithm {
  return typeof alg === "string" && (DBSC_ALGORITHMS as readonly string[]).includes(alg);
}

function readHeader(
  proof: string,
): { ok: true; header: ProtectedHeaderParameters; algorithm: DbscAlgorithm } | { ok: false; failure: ProofFailure } {
  if (proof.length === 0 || proof.length > MAX_PROOF_LENGTH || proof.split(".").length !== 3) {
    return { ok: false, failure: "malformed_proof" };
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return { ok: false, failure: "malformed_proof" };
  }
  // The list is checked before anything else: "none" and HMAC algorithms ("sign" with a
  // key the attacker chooses) must never reach a verifier.
  if (!isDbscAlgorithm(header.alg)) return { ok: false, failure: "unsupported_algorithm" };
  if (header.typ !== DBSC_PROOF_TYPE) return { ok: false, failure: "wrong_type" };
  return { ok: true, header, algorithm: header.alg };
}

function publicPart(jwk: Record<string, unknown>, algorithm: DbscAlgorithm): JWK | null {
  const kty = algorithm === "ES256" ? "EC" : "RSA";
  if (jwk.kty !== kty) return null;
  if (kty === "EC" && jwk.crv !== "P-256") return null;
  const members: Record<string, string> = {};
  for (const name of PUBLIC_JWK_MEMBERS[kty]) {
    const value = jwk[name];
    if (typeof value !== "string" || value.length === 0) return null;
    members[name] = value;
  }
  return members as JWK;
}

async function verifySignature(proof: string, key: JWK, algorithm: DbscAlgorithm): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(proof, await importJWK(key, algorithm), {
      algorithms: [algorithm],
      typ: DBSC_PROOF_TYPE,
    });
    return typeof payload.jti === "string" && payload.jti.length > 0 ? payload.jti : null;
  } catch {
    return null;
  }
}

/**
 * A registration proof carries its own public key (`jwk` header): it must be a public
 * key of the algorithm's type, and it must have made the signature.
 */
export async function verifyRegistrationProof(proof: string): Promise<ProofResult<RegistrationProof>> {
  const read = readHeader(proof);
  if (!read.ok) return read;
  const { header, algorithm } = read;
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== "object") return { ok: false, failure: "missing_key" };
  if (PRIVATE_JWK_MEMBERS.some((name) => name in jwk)) return { ok: false, failure: "private_key_material" };
  const publicKey = publicPart(jwk, algorithm);
  if (!publicKey) return { ok: false, failure: "invalid_key" };
  try {
    await importJWK(publicKey, algorithm);
  } catch {
    return { ok: false, failure: "invalid_key" };
  }
  const challenge = await verifySignature(proof, publicKey, algorithm);
  if (challenge === null) return { ok: false, failure: "bad_signature" };
  const thumbprint = await calculateJwkThumbprint(publicKey, "sha256");
  return { ok: true, algorithm, publicKey, thumbprint, challenge };
}

/**
 * A refresh proof is checked against the key stored at registration, with the stored
 * algorithm; key material in the proof itself is never used.
 */
export async function verifyRefreshProof(
  proof: string,
  stored: { publicKey: JWK; algorithm: string },
): Promise<ProofResult<{ ok: true; challenge: string }>> {
  const read = readHeader(proof);
  if (!read.ok) return read;
  if (read.algorithm !== stored.algorithm) return { ok: false, failure: "unsupported_algorithm" };
  const challenge = await verifySignature(proof, stored.publicKey, read.algorithm);
  return challenge === null ? { ok: false, failure: "bad_signature" } : { ok: true, challenge };
}
