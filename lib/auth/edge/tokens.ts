// Access tokens: compact JWS (HS256), typ "at+jwt". Edge-safe (jose + Web Crypto).
import { SignJWT, jwtVerify, type JWTHeaderParameters } from "jose";
import { getConfig } from "@/lib/config";
import { isAuthMethod, type Authentication, type AuthMethod } from "./authentication";
import { getKeyring, type KeyEntry, type Keyring } from "./keys";

export const ACCESS_TOKEN_TYPE = "at+jwt";
// Far above any token we sign (~400 bytes); bounds the work an attacker can cause.
export const MAX_ACCESS_TOKEN_LENGTH = 2048;

export type AccessTokenClaims = {
  sub: string; // user id
  sid: string; // session id
  iat: number;
  exp: number;
  jti: string;
  client_id?: string; // RFC 9068 §2.2
  scope?: string;
  /** RFC 9449 §6: thumbprint of the DPoP key this token is bound to. */
  jkt?: string;
  /** When the user last authenticated in this session (seconds), OIDC Core §2 / RFC 9470. */
  auth_time?: number;
  /** How they did (RFC 8176). */
  amr?: AuthMethod[];
};

/** Who and what an access token is for. */
export type AccessTokenSubject = {
  userId: string;
  sessionId: string;
  /** The OAuth client; browser sign-ins are the first-party client "web". */
  clientId?: string | null;
  scope?: string | null;
  dpopJkt?: string | null;
  /** The session's last authentication: becomes auth_time and amr. */
  authentication?: Authentication;
};

// RFC 9068 requires client_id in every access token: the browser sign-in is a client too.
export const FIRST_PARTY_CLIENT_ID = "web";

export async function signAccessToken(
  subject: AccessTokenSubject,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const config = getConfig();
  const { signing } = await getKeyring();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + config.accessTokenTtlSeconds;
  const claims: Record<string, unknown> = {
    sid: subject.sessionId,
    client_id: subject.clientId ?? FIRST_PARTY_CLIENT_ID,
  };
  if (subject.scope) claims.scope = subject.scope;
  if (subject.dpopJkt) claims.cnf = { jkt: subject.dpopJkt };
  if (subject.authentication) {
    claims.auth_time = Math.floor(subject.authentication.at.getTime() / 1000);
    claims.amr = [...subject.authentication.methods];
  }
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(config.appOrigin)
    .setAudience(config.appOrigin)
    .setSubject(subject.userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(signing.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

// Headers that would let the token choose its own key material.
const FORBIDDEN_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"] as const;

// A token that verified once verifies again, byte for byte, under the same keys: only its
// time checks can change. A browser presents the same access token on every request of
// its lifetime, so the gate remembers verified tokens (the exact string, bounded, per
// keyring) and on a hit re-runs every time-dependent check jose and this module make,
// skipping only the signature and the parsing. Tokens that fail are never remembered.
const VERIFIED_CACHE_SIZE = 1024;
type VerifiedToken = { claims: AccessTokenClaims; nbf?: number };
const verifiedTokens = new WeakMap<Keyring, Map<string, VerifiedToken>>();

function stillValid({ claims, nbf }: VerifiedToken, now: Date, leewaySeconds: number): boolean {
  // jose's own comparisons (whole seconds), then the iat check below.
  const seconds = Math.floor(now.getTime() / 1000);
  if (claims.exp <= seconds - leewaySeconds) return false;
  if (nbf !== undefined && nbf > seconds + leewaySeconds) return false;
  return !issuedInTheFuture(claims.iat, now, leewaySeconds);
}

// jose accepts an iat in the future; a token from the future was not issued by us.
function issuedInTheFuture(iat: number, now: Date, leewaySeconds: number): boolean {
  return iat > now.getTime() / 1000 + leewaySeconds;
}

/** The token's claims when it is valid, otherwise null (never throws). */
export async function verifyAccessToken(token: string, now: Date = new Date()): Promise<AccessTokenClaims | null> {
  if (token.length === 0 || token.length > MAX_ACCESS_TOKEN_LENGTH) return null;
  const config = getConfig();
  const keyring = await getKeyring();
  let cache = verifiedTokens.get(keyring);
  if (!cache) verifiedTokens.set(keyring, (cache = new Map()));
  const known = cache.get(token);
  if (known) return stillValid(known, now, config.clockLeewaySeconds) ? { ...known.claims } : null;
  const { verifying } = keyring;
  const keyFor = (header: JWTHeaderParameters): CryptoKey => {
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new Error("embedded key material");
    const entry: KeyEntry | undefined = typeof header.kid === "string" ? verifying.get(header.kid) : undefined;
    if (!entry) throw new Error("unknown kid");
    // Each key verifies only its own algorithm: an HS256 token naming the EdDSA key's
    // kid (the classic public-key-as-HMAC-secret confusion) is refused here.
    if (header.alg !== entry.alg) throw new Error("algorithm does not match the key");
    return entry.key;
  };
  try {
    const { payload } = await jwtVerify(token, keyFor, {
      algorithms: [...new Set([...verifying.values()].map((entry) => entry.alg))],
      issuer: config.appOrigin,
      audience: config.appOrigin,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: config.clockLeewaySeconds,
      currentDate: now,
      requiredClaims: ["exp", "iat", "sub", "sid", "jti"],
    });
    const { sub, sid, iat, exp, jti, nbf, client_id, scope, cnf, auth_time, amr } = payload;
    if (typeof sub !== "string" || typeof sid !== "string" || typeof jti !== "string") return null;
    if (typeof iat !== "number" || typeof exp !== "number") return null;
    if (issuedInTheFuture(iat, now, config.clockLeewaySeconds)) return null;
    const claims: AccessTokenClaims = { sub, sid, iat, exp, jti };
    if (typeof client_id === "string") claims.client_id = client_id;
    if (typeof scope === "string") claims.scope = scope;
    // Informational (the server decides step-up from the session row); kept only when well formed.
    if (typeof auth_time === "number" && Number.isSafeInteger(auth_time)) claims.auth_time = auth_time;
    if (Array.isArray(amr)) claims.amr = amr.filter(isAuthMethod);
    if (cnf !== undefined) {
      // A confirmation we cannot read must not turn into an unbound bearer token.
      const jkt = typeof cnf === "object" && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
      if (typeof jkt !== "string") return null;
      claims.jkt = jkt;
    }
    if (cache.size >= VERIFIED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(token, typeof nbf === "number" ? { claims, nbf } : { claims });
    return { ...claims };
  } catch {
    return null;
  }
}
