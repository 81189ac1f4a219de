// Helpers for the OAuth tests: the demo-cli client, PKCE values, DPoP proofs built the
// way a client (or an attacker) would, and the consent step done over plain HTTP.
import { createHash, randomBytes } from "node:crypto";
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { DEMO_CLI_CLIENT, registerClient } from "../../lib/auth/oauth/clients";
import type { Db } from "../../lib/db/client";
import { DEMO } from "./database";
import { login, withCookies, type CookieJar } from "./http";

export const CLIENT_ID = DEMO_CLI_CLIENT.id;

export async function registerDemoClients(db: Db): Promise<void> {
  await registerClient(db, DEMO_CLI_CLIENT);
  // A second client, for "wrong client" attacks.
  await registerClient(db, {
    id: "other-app",
    name: "Other App",
    redirectUris: ["https://other.example/callback"],
    allowLoopback: false,
    grantTypes: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
  });
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function form(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
    redirect: "manual",
  });
}

export type DpopKey = {
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
  jkt: string;
  proof(
    method: string,
    url: string,
    options?: { accessToken?: string; claims?: Record<string, unknown>; header?: Record<string, unknown> },
  ): Promise<string>;
};

export async function dpopKey(alg: "ES256" | "EdDSA" = "ES256"): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  return {
    privateKey,
    publicJwk,
    privateJwk,
    jkt: await calculateJwkThumbprint(publicJwk),
    async proof(method, url, options = {}) {
      const claims: Record<string, unknown> = {
        htm: method,
        htu: url,
        jti: randomBytes(16).toString("base64url"),
        iat: Math.floor(Date.now() / 1000),
      };
      if (options.accessToken) {
        claims.ath = base64url.encode(createHash("sha256").update(options.accessToken).digest());
      }
      return new SignJWT({ ...claims, ...options.claims })
        .setProtectedHeader({ alg, typ: "dpop+jwt", jwk: publicJwk, ...options.header })
        .sign(privateKey);
    },
  };
}

/** The client's redirect target from the consent answer (a meta refresh page). */
export async function redirectTarget(response: Response): Promise<URL> {
  const location = response.headers.get("location");
  if (location) return new URL(location);
  const html = await response.text();
  const match = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html);
  if (!match) throw new Error(`no redirect in ${response.status}: ${html.slice(0, 200)}`);
  return new URL(match[1]!.replaceAll("&amp;", "&"));
}

export type AuthorizeOptions = {
  clientId?: string;
  redirectUri?: string;
  challenge?: string;
  method?: string;
  state?: string;
  scope?: string;
  decision?: "approve" | "deny";
  /** The public origin (APP_URL) when it differs from baseUrl, as behind a load balancer. */
  origin?: string;
};

/** Signs in (unless a jar is given) and answers the consent form; returns the redirect. */
export async function authorize(baseUrl: string, options: AuthorizeOptions = {}, jar?: CookieJar): Promise<URL> {
  const cookies = jar ?? (await login(baseUrl, DEMO)).jar;
  const params: Record<string, string> = {
    client_id: options.clientId ?? CLIENT_ID,
    redirect_uri: options.redirectUri ?? "http://127.0.0.1:8765/callback",
    response_type: "code",
    code_challenge: options.challenge ?? pkce().challenge,
    code_challenge_method: options.method ?? "S256",
    state: options.state ?? "xyz",
    decision: options.decision ?? "approve",
  };
  if (options.scope !== undefined) params.scope = options.scope;
  const response = await fetch(
    `${baseUrl}/api/oauth/authorize`,
    withCookies(cookies, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: options.origin ?? baseUrl },
      body: new URLSearchParams(params),
    }),
  );
  return redirectTarget(response);
}
