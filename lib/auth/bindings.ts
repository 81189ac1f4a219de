// The one place that decides whether a door accepts a session's credential
// (docs/decisions/0015-one-binding-decision.md).
//
// A session's credentials are bound to things: the channel they were handed out on (a
// browser's cookies or a token-API client's JSON), the OAuth client, a DPoP key, a
// device key (DBSC), a live user. Every route that accepts a credential of a session
// (a "door") asks checkSessionBinding with its name; no door compares these columns
// itself. The rules are data (DOOR_RULES), so the tests enumerate every credential ×
// door × binding from the same table the code obeys. Pure: no database, no Node APIs.

/** How a session's tokens reach its holder: browser cookies, or JSON to a token-API client. */
export const CHANNEL = { browser: "browser", tokenApi: "token_api" } as const;
export type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

/** The columns of a session that bind its credentials. */
export type SessionBindingColumns = {
  channel: string;
  clientId: string | null;
  scope: string | null;
  dpopJkt: string | null;
  dbscThumbprint: string | null;
};

/** The doors through which a session's credentials come back. */
export const DOORS = [
  // POST /api/auth/refresh and GET /api/auth/refresh?next=: the refresh cookie.
  "cookie_refresh",
  // POST /api/oauth/token, grant_type=refresh_token.
  "token_refresh",
  // POST /api/oauth/revoke.
  "token_revocation",
  // POST /api/auth/dbsc/register: the access cookie of a session the browser binds.
  "dbsc_register",
  // POST /api/auth/dbsc/refresh: a proof of the session's device key.
  "dbsc_refresh",
  // Every page and API that returns user data (getCurrentSession): an access token.
  "resource",
  // POST /api/auth/reauth: step-up re-authentication, which reissues the session's tokens.
  "reauth",
  // Adding, renaming or removing a way to sign in (a passkey): an access token, besides
  // passing "resource" (docs/decisions/0021-passkeys.md).
  "account_credentials",
] as const;
export type Door = (typeof DOORS)[number];

/** What the request brought besides the credential itself. */
export type Presented = {
  /** The client_id the request named (token endpoint); null when it named none. */
  clientId?: string | null;
  /** Thumbprint of the DPoP key the request proved; null without a proof. */
  dpopJkt?: string | null;
  /** The scope a refresh asks for; undefined keeps the session's. */
  scope?: string;
  /** How an access token came: in the cookie, or in the Authorization header. */
  accessVia?: "cookie" | "header";
};

type Requirement = "must_match" | "ignored";

type DoorRule = {
  /** The only channel whose sessions this door serves. */
  channel: Channel | "any";
  /** The request's client_id must equal the session's client (null = none). */
  client: Requirement;
  /** A DPoP-bound session needs a proof of the same key. */
  dpop: Requirement;
  /**
   * A device-bound session (DBSC): "refused" means this door may not extend it (only
   * its key may), "required" that the door serves bound sessions only, "unbound" that
   * the session must not be bound yet (registration binds once).
   */
  dbsc: "refused" | "required" | "unbound" | "ignored";
  /** Must the session be free of any other binding (no client, no DPoP key)? */
  unboundOnly: boolean;
};

// The bindings as data. Each row says what a door must check, and nothing else may be
// checked at that door in code of its own. Session alive and user alive are checked at
// every door (a deleted user's sessions are deleted with the user; a disabled user's are
// revoked with the disabling, and startSession gives it no new one: lib/auth/account-status.ts).
export const DOOR_RULES: Readonly<Record<Door, DoorRule>> = {
  // The refresh cookie extends browser sessions only: a token-API refresh token sent as a
  // cookie would skip its client and DPoP checks (review finding 1). A bound session's
  // cookie neither rotates nor counts as a guess: only the key renews it.
  cookie_refresh: { channel: CHANNEL.browser, client: "ignored", dpop: "ignored", dbsc: "refused", unboundOnly: true },
  // The token endpoint serves token-API sessions only (a browser's refresh cookie is not
  // a token-API credential: review finding 8), as their own client, with their key.
  token_refresh: {
    channel: CHANNEL.tokenApi,
    client: "must_match",
    dpop: "must_match",
    dbsc: "ignored",
    unboundOnly: false,
  },
  // RFC 7009 §2.1: a client may revoke only its own tokens. No proof is asked: revoking
  // can only end the session, which whoever holds the token could do by replaying it.
  token_revocation: {
    channel: CHANNEL.tokenApi,
    client: "must_match",
    dpop: "ignored",
    dbsc: "ignored",
    unboundOnly: false,
  },
  // Only a plain browser session may be bound to a device key, and only once: an OAuth
  // session's access token must not become a browser credential with a thief's key
  // (review finding 2).
  dbsc_register: { channel: CHANNEL.browser, client: "ignored", dpop: "ignored", dbsc: "unbound", unboundOnly: true },
  dbsc_refresh: { channel: CHANNEL.browser, client: "ignored", dpop: "ignored", dbsc: "required", unboundOnly: true },
  // An access token must come the way its session's tokens were handed out: a browser
  // session's in its cookie, a token-API session's in the Authorization header; and a
  // DPoP-bound session's token only with a proof of that key.
  resource: { channel: "any", client: "ignored", dpop: "must_match", dbsc: "ignored", unboundOnly: false },
  // Step-up re-authentication answers with new cookies, so it serves browser sessions
  // only, through their access cookie: a token-API client re-authenticates its user with
  // a new authorization request (RFC 9470), and its token must not buy browser cookies.
  // A device-bound session may step up: the reissued access cookie is what its key renews.
  reauth: { channel: CHANNEL.browser, client: "ignored", dpop: "ignored", dbsc: "ignored", unboundOnly: true },
  // A sign-in credential is the browser user's to add: an OAuth client holding a token
  // with the account scope could otherwise register a software passkey of its own and
  // sign in as the user for good, outliving its grant and every revocation of it.
  account_credentials: {
    channel: CHANNEL.browser,
    client: "ignored",
    dpop: "ignored",
    dbsc: "ignored",
    unboundOnly: true,
  },
};

export type BindingFailure =
  | "wrong_channel" // a credential of another kind of session
  | "wrong_client" // issued to another OAuth client
  | "dpop_proof_required" // the session is DPoP-bound and no (or another) key was proved
  | "scope_widened" // a refresh asked for more than was granted
  | "session_bound" // a device-bound session, extended only by its key
  | "not_device_bound" // the DBSC refresh door, for a session that is not bound
  | "already_bound"; // registration, for a session bound already

export type BindingDecision = { ok: true; bindDpopKey: string | null } | { ok: false; failure: BindingFailure };

/**
 * Whether `door` accepts a credential of `session` presented with `presented`.
 *
 * `bindDpopKey` is set when a token-API refresh of a session without a DPoP key came with
 * a proof: RFC 9449 §5 wants refresh tokens issued to a public client that proves a key
 * bound to it, so the session is bound from then on (docs/decisions/0016-dpop-binds-on-first-proof.md).
 */
export function checkSessionBinding(
  door: Door,
  session: SessionBindingColumns,
  presented: Presented = {},
): BindingDecision {
  const rule = DOOR_RULES[door];
  const bound = session.clientId !== null || session.dpopJkt !== null;
  if (rule.channel !== "any" && session.channel !== rule.channel) return fail("wrong_channel");
  if (rule.unboundOnly && bound) return fail("wrong_channel");
  if (door === "resource" || door === "reauth" || door === "account_credentials") {
    const expected = session.channel === CHANNEL.browser ? "cookie" : "header";
    if (presented.accessVia !== expected) return fail("wrong_channel");
  }
  if (rule.client === "must_match" && (presented.clientId ?? null) !== session.clientId) return fail("wrong_client");
  let bindDpopKey: string | null = null;
  if (rule.dpop === "must_match") {
    const proved = presented.dpopJkt ?? null;
    if (session.dpopJkt !== null && proved !== session.dpopJkt) return fail("dpop_proof_required");
    // Only a refresh mints a new refresh token, so only a refresh binds a new key.
    if (session.dpopJkt === null && proved !== null && door === "token_refresh") bindDpopKey = proved;
  }
  if (door === "token_refresh" && presented.scope !== undefined && !withinScope(presented.scope, session.scope)) {
    return fail("scope_widened");
  }
  const deviceBound = session.dbscThumbprint !== null;
  if (rule.dbsc === "refused" && deviceBound) return fail("session_bound");
  if (rule.dbsc === "required" && !deviceBound) return fail("not_device_bound");
  if (rule.dbsc === "unbound" && deviceBound) return fail("already_bound");
  return { ok: true, bindDpopKey };
}

const fail = (failure: BindingFailure): BindingDecision => ({ ok: false, failure });

function withinScope(requested: string, granted: string | null): boolean {
  const allowed = new Set((granted ?? "").split(" ").filter(Boolean));
  return requested.split(" ").every((scope) => scope === "" || allowed.has(scope));
}

export type HotPathColumns = Pick<SessionBindingColumns, "channel" | "clientId" | "dpopJkt">;

/**
 * The one-time grants the token endpoint exchanges for a new session, and what each is
 * bound to. Both die with their user (a foreign key with cascade), so "user alive" needs
 * no check of its own; single use and expiry are the grant modules' conditional updates.
 * PKCE (RFC 7636) is the code's proof of possession, checked where the verifier is.
 */
export const GRANT_RULES = {
  // RFC 6749 §4.1.3: the client the code was issued to, with the redirect URI it named.
  authorization_code: { client: "must_match", redirectUri: "must_match" },
  // RFC 8628 §3.4: the client that started the flow polls for it.
  device_code: { client: "must_match", redirectUri: "ignored" },
} as const satisfies Record<string, { client: Requirement; redirectUri: Requirement }>;
export type Grant = keyof typeof GRANT_RULES;

type GrantBinding = { clientId: string; redirectUri?: string | null };

/**
 * Whether a grant may be redeemed by this request. Judged before the grant is spent: a
 * request from another client did not come from whoever started the flow and must not
 * burn it.
 */
export function checkGrantBinding(
  grant: Grant,
  issued: GrantBinding,
  presented: { clientId: string; redirectUri?: string | null },
): { ok: true } | { ok: false; failure: "wrong_client" | "wrong_redirect_uri" } {
  const rule = GRANT_RULES[grant];
  if (rule.client === "must_match" && issued.clientId !== presented.clientId)
    return { ok: false, failure: "wrong_client" };
  if (rule.redirectUri === "must_match" && (issued.redirectUri ?? null) !== (presented.redirectUri ?? null)) {
    return { ok: false, failure: "wrong_redirect_uri" };
  }
  return { ok: true };
}

/**
 * The exact session columns under which the refresh hot path (one SQL statement,
 * lib/auth/refresh.ts) may rotate without asking checkSessionBinding: a session that
 * matches them is accepted by the door with nothing to bind. Anything else goes to the
 * slow path, which asks checkSessionBinding and answers its verdict. A unit test checks
 * that every session these columns admit is one checkSessionBinding accepts. Device-bound
 * sessions never take the hot path (dbscThumbprint must be null there).
 */
export function hotPathColumns(door: "cookie_refresh" | "token_refresh", presented: Presented): HotPathColumns | null {
  // A scope to compare against the grant is the slow path's to judge.
  if (presented.scope !== undefined) return null;
  return door === "cookie_refresh"
    ? { channel: CHANNEL.browser, clientId: null, dpopJkt: null }
    : { channel: CHANNEL.tokenApi, clientId: presented.clientId ?? null, dpopJkt: presented.dpopJkt ?? null };
}

/**
 * Mailed links (lib/auth/recovery/email-tokens.ts): each is bound to its user and to one
 * purpose, and comes back through the one door of that purpose. Single use, expiry and
 * "user alive" (a foreign key with cascade) are the claim's conditional update; a
 * credential change spends the links it would otherwise let someone undo (issue 22,
 * finding 6): `spentBy` names those changes, for the readers of this table and its tests.
 */
export const LINK_RULES = {
  // POST /api/auth/password/reset
  password_reset: { purpose: "password_reset", spentBy: ["password change", "password reset", "email change"] },
  // POST /api/auth/verify-email
  email_verification: { purpose: "email_verification", spentBy: ["email change"] },
  // POST /api/auth/confirm-email-change
  email_change: { purpose: "email_change", spentBy: ["a newer email change request", "email change"] },
} as const;
export type LinkDoor = keyof typeof LINK_RULES;
export type LinkPurpose = (typeof LINK_RULES)[LinkDoor]["purpose"];
