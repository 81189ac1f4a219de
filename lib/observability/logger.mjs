// The one logger configuration, shared by server.mjs (plain JavaScript, outside the
// bundle) and the app (lib/observability/log.ts): JSON lines on stdout in production,
// for a log shipper to read as they are; pino-pretty in development (`npm run dev`),
// for a person. pino-pretty is a development dependency, loaded by pino's transport only
// when asked for, so a production install without dev dependencies never needs it.
import pino from "pino";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

// Belt and braces: no code puts a credential into a log line (lib/observability/log.ts
// says so where the lines are made), and these paths are censored should one ever be
// passed anyway: request headers that carry credentials, and the names credentials go by
// in this codebase's objects, at the top level and one level down.
const CREDENTIAL_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "code",
  "code_verifier",
  "device_code",
  "user_code",
  "recoveryCode",
  "secret",
  "client_secret",
  "cookie",
  "cookies",
  "authorization",
  "dpop",
  "link",
];
export const REDACTED_PATHS = [
  ...CREDENTIAL_KEYS,
  ...CREDENTIAL_KEYS.map((key) => `*.${key}`),
  ...["authorization", "cookie", "dpop", "set-cookie", "secure-session-response"].map((h) => `*.headers["${h}"]`),
];

/** A LOG_LEVEL pino knows, else "info" (lib/config.ts refuses a bad one with a clear message). */
export function logLevel(value) {
  return LEVELS.includes(value) ? value : "info";
}

export function createLogger({ development, level, mixin }) {
  const options = {
    level: logLevel(level),
    ...(mixin ? { mixin } : {}),
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (development) {
    return pino({
      ...options,
      transport: {
        target: "pino-pretty",
        options: { ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss", singleLine: true },
      },
    });
  }
  // Level names rather than numbers: what a SIEM or a person grepping expects to read.
  return pino({ ...options, formatters: { level: (label) => ({ level: label }) } });
}
