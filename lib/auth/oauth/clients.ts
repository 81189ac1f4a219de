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

export const DEMO_CLI_CLIENT = {
  id: "demo-cli",
  name: "Demo CLI",
  redirectUris: [],
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

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]"]);

/**
 * Exact string match against the registered URIs; for loopback clients also any port on
 * 127.0.0.1 or [::1] over http (RFC 8252 §7.3), path and query still exact. "localhost"
 * is not loopback here (§8.3: it may resolve elsewhere).
 */
export function isAllowedRedirectUri(client: OAuthClient, redirectUri: string): boolean {
  if (client.redirectUris.includes(redirectUri)) return true;
  if (!client.allowLoopback) return false;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  // URL would normalise away oddities (userinfo, a fragment, "127.1"); the string must
  // already be in the normal form so that what we check is what the browser visits.
  if (url.href !== redirectUri && `${url.href}` !== `${redirectUri}/`) return false;
  return url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname) && !url.username && !url.password && !url.hash;
}

/** The scope to grant: the requested one when every value is supported, else null. */
export function resolveScope(requested: string | undefined): string | null {
  if (requested === undefined || requested.trim() === "") return DEFAULT_SCOPE;
  const values = requested.split(" ");
  if (values.some((v) => !(SUPPORTED_SCOPES as readonly string[]).includes(v))) return null;
  return [...new Set(values)].join(" ");
}

export const allowsGrant = (client: OAuthClient, grant: GrantType): boolean => client.grantTypes.includes(grant);
