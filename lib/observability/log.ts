import "server-only";
import type { Logger } from "pino";
import { ConfigError, getConfig } from "../config";
import { createLogger } from "./logger.mjs";
import { currentRequestId } from "./request-context";

// The app's logger (configuration: ./logger.mjs, shared with server.mjs). What goes in
// a line is chosen where it is made: ids, outcomes, error codes and messages — never a
// token, cookie, header value, password, code, secret or mailed link. The redaction
// paths of logger.mjs are the second line of defence, not the first;
// tests/http/ops-logs.test.ts greps a real server's output for every secret it used.

// One per process, on globalThis: Next.js may bundle this module into several chunks.
const globalForLog = globalThis as typeof globalThis & { __authLogger?: Logger };

// LOG_LEVEL is validated with the rest of the environment; while the configuration is
// invalid the logger still has to say so (lib/startup.ts), at the default level.
function configuredLevel(): string | undefined {
  try {
    return getConfig().logLevel;
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

export function logger(): Logger {
  globalForLog.__authLogger ??= createLogger({
    development: process.env.NODE_ENV === "development",
    level: configuredLevel(),
    // Every line written while serving a request carries its id (./request-context.ts).
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  });
  return globalForLog.__authLogger;
}

/**
 * An unexpected error, for a line: its type, its last message line and where it was thrown.
 * Not the whole message: Prisma's repeats the failed call with its arguments, which may
 * hold an email address or a hash.
 */
export function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const frames = error.stack?.split("\n").filter((line) => /^\s+at /.test(line));
  return { type: error.name, message: errorMessage(error), stack: frames?.slice(0, 12).join("\n") };
}

/**
 * An error's last non-empty line (where Prisma puts the driver's own message), for lines
 * that explain a failure without a stack trace.
 */
export const errorMessage = (error: unknown): string =>
  error instanceof Error
    ? (error.message.split("\n").findLast((line) => line.trim() !== "") ?? error.name)
    : String(error);
