// The access check shared by the edge gate and the server-side session check: the token
// (cookie, Bearer or DPoP), and for a DPoP-bound token the proof that must come with it
// (RFC 9449 §7). Stateless, so edge-safe; the jti replay check is the server's.
import { getConfig } from "@/lib/config";
import type { AuthChallenge } from "@/lib/http/responses";
import { presentedAccessToken } from "./bearer";
import { dpopHeader, verifyDpopProof, type DpopExpectation, type DpopProof } from "./dpop";
import { verifyAccessToken, type AccessTokenClaims } from "./tokens";

type CookieReader = Parameters<typeof presentedAccessToken>[1];

export type AccessCheck =
  | { ok: true; claims: AccessTokenClaims; via: "cookie" | "header"; proof?: DpopProof }
  | { ok: false; challenge: AuthChallenge };

export async function checkAccessToken(
  headers: Headers,
  cookies: CookieReader,
  request: DpopExpectation["request"],
  now = new Date(),
): Promise<AccessCheck> {
  const presented = presentedAccessToken(headers, cookies);
  // RFC 6750 §3.1: no credentials, no error code.
  if (presented.kind === "none") return { ok: false, challenge: {} };
  if (presented.kind === "conflict") return { ok: false, challenge: { scheme: "Bearer", error: "invalid_token" } };
  const scheme = presented.scheme === "dpop" ? "DPoP" : "Bearer";
  const claims = await verifyAccessToken(presented.token, now);
  if (!claims) return { ok: false, challenge: { scheme, error: "invalid_token" } };
  // A DPoP-bound token is only good with a proof of its key: sent as Bearer (or in a
  // cookie) it was copied by someone who does not hold the key. And a DPoP-scheme
  // request with an unbound token is refused rather than quietly treated as Bearer.
  if ((claims.jkt !== undefined) !== (presented.scheme === "dpop")) {
    return { ok: false, challenge: { scheme: "DPoP", error: "invalid_token" } };
  }
  const via = presented.viaBearer ? "header" : "cookie";
  if (claims.jkt === undefined) return { ok: true, claims, via };
  const proofJwt = dpopHeader(headers);
  if (proofJwt === undefined || proofJwt === "multiple") {
    return { ok: false, challenge: { scheme: "DPoP", error: "invalid_dpop_proof" } };
  }
  const checked = await verifyDpopProof(proofJwt, {
    request,
    accessToken: presented.token,
    leewaySeconds: getConfig().clockLeewaySeconds,
    now,
  });
  if (!checked.ok || checked.proof.jkt !== claims.jkt) {
    return { ok: false, challenge: { scheme: "DPoP", error: "invalid_dpop_proof" } };
  }
  return { ok: true, claims, via, proof: checked.proof };
}
