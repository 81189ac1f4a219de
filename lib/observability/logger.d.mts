// Types of ./logger.mjs (plain JavaScript, because server.mjs imports it too).
import type { Logger } from "pino";

export const REDACTED_PATHS: string[];
export function logLevel(value: string | undefined): string;
export function createLogger(options: {
  development: boolean;
  level: string | undefined;
  mixin?: () => Record<string, unknown>;
}): Logger;
