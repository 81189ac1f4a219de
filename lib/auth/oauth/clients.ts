import "server-only";
import type { Db } from "../../db";

// Registered OAuth clients. All are public (RFC 6749 §2.1): a native app or CLI cannot
// keep a secret, so none is issued, stored or accepted.

export const GRANT = {
  authorizationCode: "authorization_code",
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
  refreshToken: "refresh_token",
} as const;

export type GrantType = (typeof GRANT)[keyof typeof GRANT];

export type OAuthClient = {
  id: string;
  name: string;
  redirectUris: string[];
  allowLoopback: boolean;
  grantTypes: GrantType[];
};

/** What a client can be given: the user's account API (profile, sessions, password). */
export const SUPPORTED_SCOPES = ["account"] as const;
const DEFAULT_SCOPE = "account";

// Its redirect URIs are loopback ones, so a CLI may listen on any free port with them
// (RFC 8252 §7.3): http://127.0.0.1:{port}/callback and http://[::1]:{port}/callback.
export const DEMO_CLI_CLIENT = {
  id: "demo-cli",
  name: "Demo CLI",
  redirectUris: ["http://127.0.0.1/callback", "http://[::1]/callback"],
  allowLoopback: true,
  grantTypes: [GRANT.authorizationCode, GRANT.deviceCode, GRANT.refreshToken],
} as const satisfies OAuthClient;

const KNOWN_GRANTS = new Set<string>(Object.values(GRANT));

function fromRow(row: { id: string; name: string; redirectUris: string; allowLoopback: boolean; grantTypes: string }) {
  return {
    id: row.id,
    name: row.name,
    redirectUris: row.redirectUris.split("\n").filter(Boolean),
    allowLoopback: row.allowLoopback,
    grantTypes: row.grantTypes.split(" ").filter((g): g is GrantType => KNOWN_GRANTS.has(g)),
  } satisfies OAuthClient;
}

export async function findClient(db: Db, clientId: string | undefined): Promise<OAuthClient | null> {
  if (!clientId || clientId.length > 100) return null;
  const row = await db.oAuthClient.findUnique({ where: { id: clientId } });
  return row ? fromRow(row) : null;
}

/** Creates or updates a client (the seed and `npm run oauth:client`). */
export async function registerClient(db: Db, client: OAuthClient): Promise<void> {
  const data = {
    name: client.name,
    redirectUris: client.redirectUris.join("\n"),
    allowLoopback: client.allowLoopback,
    grantTypes: client.grantTypes.join(" "),
  };
  await db.oAuthClient.upsert({ where: { id: client.id }, create: { id: client.id, ...data }, update: data });
}

// RFC 8252 §7.3 lets the port of a loopback IP literal vary; "localhost" is not one
// (§8.3: it may resolve elsewhere), so a localhost URI is matched exactly like any other.
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]"]);
// What a port may be written as in a redirect URI we accept: 1–65535, no leading zero.
const PORT = /^[1-9][0-9]{0,4}$/;

/** The URI without its port, when it is http on a loopback IP literal in normal form; else null. */
function loopbackWithoutPort(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  // URL would normalise away oddities (userinfo, "127.1", "%63", "/x/../", an empty
  // query or fragment, ":080"); the string must already be in the normal form, so that
  // what is compared is what the browser will visit.
  const normal = url.href === uri || (url.pathname === "/" && `${url.href}` === `${uri}/`);
  if (!normal || url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname)) return null;
  if (url.username || url.password || url.hash || uri.includes("@") || uri.includes("#")) return null;
  if (url.port !== "" && !(PORT.test(url.port) && Number(url.port) <= 65535)) return null;
  url.port = "";
  return url.href;
}

/**
 * Exact string match against the registered URIs. For a loopback client, a registered
 * http://127.0.0.1/… or http://[::1]/… URI also matches with any port (RFC 8252 §7.3),
 * and only the port: scheme, host spelling, path, query and the absence of userinfo and
 * fragment stay exact.
 */
export function isAllowedRedirectUri(client: OAuthClient, redirectUri: string): boolean {
  if (client.redirectUris.includes(redirectUri)) return true;
  if (!client.allowLoopback) return false;
  const requested = loopbackWithoutPort(redirectUri);
  return requested !== null && client.redirectUris.some((registered) => loopbackWithoutPort(registered) === requested);
}

/** The scope to grant: the requested one when every value is supported, else null. */
export function resolveScope(requested: string | undefined): string | null {
  if (requested === undefined || requested.trim() === "") return DEFAULT_SCOPE;
  const values = requested.split(" ");
  if (values.some((v) => !(SUPPORTED_SCOPES as readonly string[]).includes(v))) return null;
  return [...new Set(values)].join(" ");
}

export const allowsGrant = (client: OAuthClient, grant: GrantType): boolean => client.grantTypes.includes(grant);
