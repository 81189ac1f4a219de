import { ConfigError, getAuthSecrets, getConfig } from "./config";

/** Refuse to serve with a bad configuration rather than fail on the first sign-in. */
export function assertConfigOrExit(): void {
  try {
    getConfig();
    getAuthSecrets();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Refusing to start: ${error.message}`);
    process.exit(1);
  }
}
