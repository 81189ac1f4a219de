import "server-only";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SignInResult } from "../auth/sign-in";

// Prometheus metrics of this process (GET /api/metrics). Counters are per instance:
// Prometheus scrapes every instance and sums them. Label values come from fixed sets
// (outcomes the code returns, known routes), never from request input, so the number
// of series stays bounded whatever clients send.
//
// Counted at the route handlers from the results they already receive (and, for rate
// limits and mail, at the one function each goes through), not inside the auth core,
// so that the core stays free of instrumentation.

type Metrics = {
  registry: Registry;
  signIns: Counter<"outcome">;
  refreshes: Counter<"outcome">;
  tokenRequests: Counter<"grant_type" | "outcome">;
  proofFailures: Counter<"kind" | "reason">;
  rateLimited: Counter<"limiter">;
  mails: Counter<"outcome">;
  edgeVerdicts: Counter<"verdict">;
  requestDuration: Histogram<"route" | "method" | "status">;
};

function createMetrics(): Metrics {
  const registry = new Registry();
  // CPU, memory, event-loop lag, handles, GC: the process_* and nodejs_* series.
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    signIns: counter("auth_sign_ins_total", "Password sign-ins by outcome.", ["outcome"]),
    refreshes: counter("auth_refreshes_total", "Refresh-token uses at /api/auth/refresh by outcome.", ["outcome"]),
    tokenRequests: counter("oauth_token_requests_total", "Token endpoint requests by grant and outcome.", [
      "grant_type",
      "outcome",
    ]),
    proofFailures: counter("auth_proof_failures_total", "Refused DPoP and DBSC proofs.", ["kind", "reason"]),
    rateLimited: counter("auth_rate_limited_total", "Requests refused by a rate limiter.", ["limiter"]),
    mails: counter("auth_mails_total", "Mails handed to the transport, by outcome.", ["outcome"]),
    edgeVerdicts: counter(
      "auth_edge_verdicts_total",
      "The edge middleware's verdicts on requests that need an access token.",
      ["verdict"],
    ),
    requestDuration: new Histogram({
      name: "auth_http_request_duration_seconds",
      help: "Latency of the auth routes, from the first byte of the request to the last of the answer.",
      labelNames: ["route", "method", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

// One set per process, on globalThis: Next.js may bundle this module into several
// route chunks, and a second registry would split the counts.
const globalForMetrics = globalThis as typeof globalThis & { __authMetrics?: Metrics };

function metrics(): Metrics {
  globalForMetrics.__authMetrics ??= createMetrics();
  return globalForMetrics.__authMetrics;
}

/** A label value from a fixed set; anything else (a future outcome) is "other". */
function known<T extends string>(value: string, allowed: readonly T[]): T | "other" {
  return (allowed as readonly string[]).includes(value) ? (value as T) : "other";
}

const SIGN_IN_OUTCOMES = [
  "success",
  "wrong_password",
  "unknown_user",
  "throttled",
  "mfa_required",
  "email_not_verified",
  "account_disabled",
] as const;

/**
 * The password step of a sign-in (POST /api/auth/login). A wrong password and an unknown
 * email get the same answer (invalid_credentials); only this counter tells them apart,
 * for an operator telling a credential-stuffing run (unknown users) from guessing at
 * real accounts. `mfa_required`: the password was right and a second step follows.
 */
export function countSignIn(result: SignInResult): void {
  const outcome = result.ok
    ? "success"
    : result.error === "invalid_credentials"
      ? result.reason
      : result.error === "rate_limited"
        ? "throttled"
        : result.error;
  metrics().signIns.inc({ outcome: known(outcome, SIGN_IN_OUTCOMES) });
}

// The refresh route's results, in the vocabulary of issue 26. A session revoked for
// another reason than reuse answers "invalid_refresh_token" (the rotation does not tell
// it apart), so it is counted as invalid.
const REFRESH_OUTCOMES: Record<string, string> = {
  rotated: "rotated",
  grace: "grace",
  refresh_token_reused: "reuse_detected",
  session_expired: "expired",
  invalid_refresh_token: "invalid",
  session_bound: "session_bound",
  rate_limited: "throttled",
  // A door refused a credential of another channel, client or key (lib/auth/bindings.ts).
  wrong_channel: "binding_refused",
  wrong_client: "binding_refused",
  dpop_proof_required: "binding_refused",
  scope_widened: "binding_refused",
};

export function countRefresh(result: { ok: true; kind: string } | { ok: false; error: string }): void {
  const key = result.ok ? result.kind : result.error;
  metrics().refreshes.inc({ outcome: REFRESH_OUTCOMES[key] ?? "other" });
}

const GRANT_TYPES = [
  "authorization_code",
  "urn:ietf:params:oauth:grant-type:device_code",
  "refresh_token",
  "password",
] as const;
const TOKEN_ERRORS = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "invalid_dpop_proof",
  "authorization_pending",
  "slow_down",
  "access_denied",
  "expired_token",
  "rate_limited",
] as const;

export function countTokenRequest(
  grantType: string | undefined,
  result: { ok: true } | { ok: false; error: string },
): void {
  const outcome = result.ok ? "success" : known(result.error, TOKEN_ERRORS);
  metrics().tokenRequests.inc({ grant_type: known(grantType ?? "", GRANT_TYPES), outcome });
  if (!result.ok && result.error === "invalid_dpop_proof") countProofFailure("dpop", "invalid");
}

/** `reason` must come from a fixed set (the verifier's failure codes). */
export function countProofFailure(kind: "dpop" | "dbsc", reason: string): void {
  metrics().proofFailures.inc({ kind, reason });
}

/** `limiter` is the limiter's key prefix (login-account, refresh-failures-ip, …). */
export function countRateLimited(limiter: string): void {
  metrics().rateLimited.inc({ limiter });
}

export function countMail(outcome: "sent" | "failed"): void {
  metrics().mails.inc({ outcome });
}

/** The auth routes whose latency is measured (exact paths); any other path is not recorded. */
const TIMED_ROUTES = new Set([
  "/api/auth/login",
  "/api/auth/logout",
  "/api/auth/refresh",
  "/api/auth/register",
  "/api/auth/password/forgot",
  "/api/auth/password/reset",
  "/api/auth/verify-email",
  "/api/auth/verify-email/resend",
  "/api/auth/dbsc/register",
  "/api/auth/dbsc/refresh",
  "/api/oauth/token",
  "/api/oauth/revoke",
  "/api/oauth/device_authorization",
  "/api/oauth/authorize",
  "/api/oauth/device",
  "/api/me",
  "/api/sessions",
  "/api/sessions/revoke-others",
  "/api/account",
  "/api/account/password",
]);
const TIMED_METHODS = new Set(["GET", "POST", "DELETE"]);

export function observeRequest(path: string, method: string, status: number, seconds: number): void {
  // Bounded: a label is one of the paths above, never whatever a client asked for.
  if (!TIMED_ROUTES.has(path) || !TIMED_METHODS.has(method)) return;
  metrics().requestDuration.observe({ route: path, method, status: String(status) }, seconds);
}

const EDGE_VERDICTS = ["allowed", "refreshed_by_navigation", "rejected"] as const;

/** From server.mjs, which reads it off the middleware's answer (see middleware.ts). */
export function countEdgeVerdict(verdict: string): void {
  metrics().edgeVerdicts.inc({ verdict: known(verdict, EDGE_VERDICTS) });
}

export function renderMetrics(): Promise<string> {
  return metrics().registry.metrics();
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

// server.mjs (plain JS, outside the bundle) times every request and reads the edge
// middleware's verdict off its answer, and hands both here through these hooks;
// instrumentation.ts installs them at start-up.
const REQUEST_HOOK = Symbol.for("next-auth-tokens.observe-request");
const EDGE_VERDICT_HOOK = Symbol.for("next-auth-tokens.count-edge-verdict");

export function installRequestHook(): void {
  (globalThis as Record<symbol, unknown>)[REQUEST_HOOK] = observeRequest;
  (globalThis as Record<symbol, unknown>)[EDGE_VERDICT_HOOK] = countEdgeVerdict;
}
