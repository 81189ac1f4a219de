// The environment every app process of the bench runs with: fresh secrets per run,
// rate limits out of the way, and nothing leaking in from the caller's shell.
import { randomBytes } from "node:crypto";

const AUTH_SECRET = randomBytes(48).toString("base64");
// Auth.js's own secret for the peer column's session cookie.
export const NEXTAUTH_SECRET = randomBytes(32).toString("base64");
const HUGE_RATE = "100000000/60";

// Variables the app reads that must not leak in from the caller (e.g. a Vitest run or
// a developer's shell): every one the bench relies on is set explicitly below.
const APP_VARIABLE =
  /^(AUTH_|NEXTAUTH_|RATE_LIMIT_|DATABASE_|REFRESH_|SESSION_|ACCESS_TOKEN_|CLOCK_|BCRYPT_|PASSWORD_|APP_URL$|TRUST_PROXY$|SOCKET_ADDRESS_HEADER$|NODE_OPTIONS$|PORT$|HOSTNAME$|TEST_DATABASE_URL$)/;

export function appEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !APP_VARIABLE.test(key)));
  return {
    ...env,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
    AUTH_SECRET,
    NEXTAUTH_SECRET,
    ACCESS_TOKEN_TTL_SECONDS: "3600",
    BCRYPT_COST: "4",
    RATE_LIMIT_REFRESH_FAILURES_PER_IP: HUGE_RATE,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: HUGE_RATE,
    RATE_LIMIT_LOGIN_PER_IP: HUGE_RATE,
    RATE_LIMIT_REGISTER_PER_IP: HUGE_RATE,
    ...overrides,
  };
}
