// Environment, read and validated once. Edge-safe: the middleware imports it too.
import { z } from "zod";
import { emailSchema } from "./auth/request-schemas";

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

// "points/seconds": at most `points` in a window of `seconds`.
const rate = (fallback: string) =>
  z
    .string()
    .regex(/^\d+\/\d+$/, 'use "points/seconds", e.g. "10/900"')
    .default(fallback)
    .transform((s) => {
      const [points, seconds] = s.split("/").map(Number) as [number, number];
      return { points, seconds };
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().min(1).default("file:./prisma/data/app.db"),
  // Connections per app instance (PostgreSQL). Instances × pool size must stay below
  // the server's max_connections.
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  ACCESS_TOKEN_TTL_SECONDS: seconds(600),
  REFRESH_IDLE_TTL_SECONDS: seconds(604_800),
  SESSION_MAX_AGE_SECONDS: seconds(2_592_000),
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).default(10),
  // Tolerance for clock skew between instances when checking exp/iat (at most 10 s).
  CLOCK_LEEWAY_SECONDS: z.coerce.number().int().min(0).max(10).default(10),
  BCRYPT_COST: z.coerce.number().int().min(4).max(31).default(12),
  // Worker threads that hash passwords (default: one per core) and how many hashes may
  // wait for one before sign-in answers 503 (lib/auth/password-pool.ts).
  PASSWORD_WORKERS: z.coerce.number().int().positive().optional(),
  PASSWORD_QUEUE_LIMIT: z.coerce.number().int().min(0).default(32),
  // Their priority below the request thread (Linux nice, 0 = the same; see the pool).
  PASSWORD_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  APP_URL: z.url().default("http://localhost:3000"),
  // Name of the header a reverse proxy in front of the app sets to the client's address
  // (e.g. x-forwarded-for). Unset: no proxy header is believed.
  TRUST_PROXY: z.string().trim().toLowerCase().optional(),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: rate("10/900"),
  RATE_LIMIT_LOGIN_PER_IP: rate("50/900"),
  RATE_LIMIT_REGISTER_PER_IP: rate("10/3600"),
  RATE_LIMIT_REFRESH_FAILURES_PER_IP: rate("30/60"),
  // RFC 9700 §2.4 forbids the password grant; "enabled" keeps it for legacy clients.
  OAUTH_PASSWORD_GRANT: z.string().optional(),
  // Set by server.mjs (never by hand): the header that carries the TCP peer's address.
  SOCKET_ADDRESS_HEADER: z.string().optional(),
  // Mail (password reset, email verification). smtp://user:pass@host:port or smtps://…
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: "SMTP_URL must be smtp://… or smtps://…" })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  MAIL_FROM: z.string().trim().min(3).optional(),
  RESET_TOKEN_TTL_SECONDS: seconds(1800),
  REQUIRE_VERIFIED_EMAIL: z.enum(["true", "false"]).default("false"),
  // Test-only switch: the development mailbox outside `next dev` (the browser tests run
  // the production build). Refused unless APP_URL is a loopback address.
  DEV_MAILBOX: z.enum(["enabled", "disabled"]).optional(),
  RATE_LIMIT_MAIL_PER_EMAIL: rate("5/3600"),
  RATE_LIMIT_MAIL_PER_IP: rate("20/3600"),
  // Operations (issue 26): how long the audit log is kept, how often the server prunes
  // expired rows itself (0: never; then run `npm run db:prune` from cron), and the bearer
  // token that unlocks GET /api/metrics (unset: the route answers 404).
  AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).default(90),
  PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(3600),
  METRICS_TOKEN: z
    .string()
    .min(16, "METRICS_TOKEN must be at least 16 characters, e.g. `openssl rand -base64 32`")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  // Administrators (issue 26, item 7): comma-separated emails, normalised as registration
  // normalises them. Empty (the default): nobody is an administrator and /admin is a 404.
  ADMIN_EMAILS: z
    .string()
    .default("")
    .transform((list, ctx) => {
      const emails = list
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => emailSchema.safeParse(item));
      const bad = emails.findIndex((email) => !email.success);
      if (bad !== -1) {
        ctx.addIssue({ code: "custom", message: `entry ${bad + 1} is not an email address` });
        return z.NEVER;
      }
      return emails.flatMap((email) => (email.success ? [email.data] : []));
    }),
  // Requests to the DBSC refresh route without a valid proof (a challenge, an ended or
  // unknown session, a bad proof), per client address. A browser asks for one challenge
  // per bound session per access-token lifetime (600 s), so the default leaves room for
  // a few hundred bound browsers behind one NAT address.
  RATE_LIMIT_DBSC_REFRESH_PER_IP: rate("300/600"),
  // Device authorizations started per client address (RFC 8628 §3.1 has no credential).
  RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: rate("30/900"),
  // Step-up (issue 23): sensitive actions need an authentication at most this old.
  REAUTH_MAX_AGE_SECONDS: seconds(600),
  // Passkey sign-in options per client address: the sign-in page asks for one on every
  // visit (autofill), and each writes a challenge row before anyone is signed in.
  RATE_LIMIT_PASSKEY_OPTIONS_PER_IP: rate("300/600"),
  // How much the server logs (lib/observability/log.ts): pino's levels; info logs one line
  // per auth request and per security event, warn only what needs a look.
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RateLimit = { points: number; seconds: number };

/**
 * Where mail goes: SMTP when SMTP_URL is set; the development mailbox (stored in the
 * database, shown at /dev/mailbox) in development or with DEV_MAILBOX=enabled; else
 * nowhere, and the features that need mail (password reset, email verification) are off.
 */
export type MailConfig =
  | { transport: "smtp"; smtpUrl: string; from: string }
  | { transport: "dev-mailbox"; from: string; logLinks: boolean }
  | { transport: "none" };

export type Config = {
  databaseUrl: string;
  databasePoolSize: number;
  accessTokenTtlSeconds: number;
  refreshIdleTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  refreshReuseGraceSeconds: number;
  clockLeewaySeconds: number;
  bcryptCost: number;
  passwordWorkers: number | null;
  passwordQueueLimit: number;
  passwordWorkerNice: number;
  appOrigin: string;
  secureCookies: boolean;
  trustProxyHeader: string | null;
  socketAddressHeader: string | null;
  oauthPasswordGrant: boolean;
  rateLimits: {
    loginPerAccount: RateLimit;
    loginPerIp: RateLimit;
    registerPerIp: RateLimit;
    refreshFailuresPerIp: RateLimit;
    mailPerEmail: RateLimit;
    mailPerIp: RateLimit;
    dbscRefreshPerIp: RateLimit;
    deviceAuthorizationPerIp: RateLimit;
    passkeyOptionsPerIp: RateLimit;
  };
  mail: MailConfig;
  resetTokenTtlSeconds: number;
  requireVerifiedEmail: boolean;
  auditRetentionDays: number;
  pruneIntervalSeconds: number;
  metricsToken: string | null;
  /** Normalised (trimmed, lower case) emails of the administrators; empty: none. */
  adminEmails: readonly string[];
  reauthMaxAgeSeconds: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

const MIN_SECRET_BYTES = 32;

function parseSecrets(current: string | undefined, previous: string | undefined, nodeEnv: string): string[] {
  if (!current) {
    throw new ConfigError(
      nodeEnv === "production"
        ? "AUTH_SECRET is required in production: set it to at least 32 random bytes, e.g. `openssl rand -base64 48`."
        : "AUTH_SECRET is not set. `npm run dev` generates one into .env.local; or set it yourself.",
    );
  }
  const secrets = [
    current,
    ...(previous ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
  for (const secret of secrets) {
    if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES) {
      throw new ConfigError(`AUTH_SECRET (and each AUTH_SECRET_PREVIOUS) must be at least ${MIN_SECRET_BYTES} bytes.`);
    }
  }
  return secrets;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function mailConfig(
  e: { NODE_ENV: string; SMTP_URL?: string; MAIL_FROM?: string; DEV_MAILBOX?: string },
  appUrl: URL,
): MailConfig {
  const from = e.MAIL_FROM ?? `Token Auth Reference <no-reply@${appUrl.hostname}>`;
  if (e.SMTP_URL) return { transport: "smtp", smtpUrl: e.SMTP_URL, from };
  if (e.DEV_MAILBOX === "enabled") {
    // The mailbox page shows every reset link to whoever opens it.
    if (!LOOPBACK_HOSTS.has(appUrl.hostname)) {
      throw new ConfigError("DEV_MAILBOX=enabled is for tests on a loopback APP_URL only; set SMTP_URL instead.");
    }
    return { transport: "dev-mailbox", from, logLinks: e.NODE_ENV === "development" };
  }
  if (e.NODE_ENV === "development" && e.DEV_MAILBOX !== "disabled") {
    return { transport: "dev-mailbox", from, logLinks: true };
  }
  return { transport: "none" };
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid environment: ${issues}`);
  }
  const e = parsed.data;
  const appUrl = new URL(e.APP_URL);
  const mail = mailConfig(e, appUrl);
  const requireVerifiedEmail = e.REQUIRE_VERIFIED_EMAIL === "true";
  if (requireVerifiedEmail && mail.transport === "none") {
    throw new ConfigError(
      "REQUIRE_VERIFIED_EMAIL=true needs mail: set SMTP_URL, or nobody could ever verify an address and sign in.",
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshIdleTtlSeconds: e.REFRESH_IDLE_TTL_SECONDS,
    sessionMaxAgeSeconds: e.SESSION_MAX_AGE_SECONDS,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    clockLeewaySeconds: e.CLOCK_LEEWAY_SECONDS,
    bcryptCost: e.BCRYPT_COST,
    passwordWorkers: e.PASSWORD_WORKERS ?? null,
    passwordQueueLimit: e.PASSWORD_QUEUE_LIMIT,
    passwordWorkerNice: e.PASSWORD_WORKER_NICE,
    appOrigin: appUrl.origin,
    secureCookies: appUrl.protocol === "https:",
    trustProxyHeader: e.TRUST_PROXY || null,
    socketAddressHeader: e.SOCKET_ADDRESS_HEADER || null,
    oauthPasswordGrant: e.OAUTH_PASSWORD_GRANT === "enabled",
    rateLimits: {
      loginPerAccount: e.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      registerPerIp: e.RATE_LIMIT_REGISTER_PER_IP,
      refreshFailuresPerIp: e.RATE_LIMIT_REFRESH_FAILURES_PER_IP,
      mailPerEmail: e.RATE_LIMIT_MAIL_PER_EMAIL,
      mailPerIp: e.RATE_LIMIT_MAIL_PER_IP,
      dbscRefreshPerIp: e.RATE_LIMIT_DBSC_REFRESH_PER_IP,
      deviceAuthorizationPerIp: e.RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP,
      passkeyOptionsPerIp: e.RATE_LIMIT_PASSKEY_OPTIONS_PER_IP,
    },
    mail,
    resetTokenTtlSeconds: e.RESET_TOKEN_TTL_SECONDS,
    requireVerifiedEmail,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    pruneIntervalSeconds: e.PRUNE_INTERVAL_SECONDS,
    metricsToken: e.METRICS_TOKEN ?? null,
    adminEmails: e.ADMIN_EMAILS,
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}

let cached: Config | undefined;

// Parsed on first use rather than at import, so `next build` does not need secrets.
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** PKCS#8 PEM of an Ed25519 key that signs access tokens (EdDSA mode), or null. */
export function getEd25519PrivateKey(): string | null {
  // Environment files and CI secrets often carry a PEM on one line with literal \n.
  return process.env.AUTH_ED25519_PRIVATE_KEY?.replace(/\\n/g, "\n").trim() || null;
}

let secrets: readonly string[] | undefined;

/**
 * The first secret signs, all of them verify. Separate from getConfig() so that
 * scripts that never touch tokens (seed, prune, migrate) run without AUTH_SECRET.
 */
export function getAuthSecrets(): readonly string[] {
  secrets ??= parseSecrets(process.env.AUTH_SECRET, process.env.AUTH_SECRET_PREVIOUS, process.env.NODE_ENV ?? "");
  return secrets;
}
