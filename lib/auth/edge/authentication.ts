// How and when a user proved who they are (issue 23): recorded on the session at sign-in
// and at each step-up re-authentication, carried in access tokens as `auth_time` and `amr`
// (RFC 8176 values). Pure: no database, no Node APIs, so the edge and the pages use it too.

/**
 * RFC 8176 §2 method references used here: a password, a one-time code (TOTP or a
 * recovery code), a hardware- or software-bound key (a passkey), multiple factors, and a
 * user-presence test.
 */
export const AUTH_METHODS = ["pwd", "otp", "hwk", "swk", "mfa", "user"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** One authentication event: when it happened and which methods it used. */
export type Authentication = { at: Date; methods: readonly AuthMethod[] };

export const isAuthMethod = (value: unknown): value is AuthMethod =>
  typeof value === "string" && (AUTH_METHODS as readonly string[]).includes(value);

/** A password sign-in, the kind every session had before second factors existed. */
export const passwordAuthentication = (at: Date): Authentication => ({ at, methods: ["pwd"] });

/**
 * The methods of an authentication that used several factors: RFC 8176 says `mfa` when
 * more than one was used, so it is added (once) whenever two distinct factors appear.
 */
export function combineMethods(...methods: AuthMethod[]): AuthMethod[] {
  const distinct = [...new Set(methods.filter((m) => m !== "mfa"))];
  return distinct.length > 1 ? [...distinct, "mfa"] : distinct;
}

/** The session column's form: space-separated, in order. */
export const serializeMethods = (methods: readonly AuthMethod[]): string => methods.join(" ");

/** Reads the column back; unknown values (from a newer version) are dropped, not trusted. */
export const parseMethods = (stored: string | null | undefined): AuthMethod[] =>
  (stored ?? "").split(" ").filter(isAuthMethod);

/**
 * The authentication an OAuth grant (code, device approval) carries from the browser
 * session that approved it. A grant written before these columns existed counts as a
 * password sign-in when the grant was made (the only kind of sign-in there was).
 */
export function grantAuthentication(grant: {
  authenticatedAt: Date | null;
  authMethods: string | null;
  createdAt: Date;
}): Authentication {
  const methods = parseMethods(grant.authMethods);
  return { at: grant.authenticatedAt ?? grant.createdAt, methods: methods.length > 0 ? methods : ["pwd"] };
}

/** What each method means to the person who used it, for the pages. */
export const AUTH_METHOD_LABELS: Readonly<Record<AuthMethod, string>> = {
  pwd: "password",
  otp: "one-time code",
  hwk: "passkey kept on one device",
  swk: "synced passkey",
  user: "fingerprint, face or PIN",
  mfa: "two factors",
};
