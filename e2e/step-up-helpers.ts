// Step-up in the browser tests: the server asks again when the session's last
// authentication is older than REAUTH_MAX_AGE_SECONDS. Rather than wait ten minutes, a
// test moves that moment into the past in the server's database (the session row is what
// the server judges: docs/decisions/0020-second-factor-and-step-up.md).
import path from "node:path";
import type { BrowserContext } from "@playwright/test";
import Database from "better-sqlite3";
import { decodeJwt } from "jose";
import { Secret, TOTP } from "otpauth";

/** Makes the browser's session look signed in an hour ago, on the main e2e server. */
export async function ageAuthentication(context: BrowserContext): Promise<void> {
  const access = (await context.cookies()).find((c) => c.name === "access_token");
  if (!access) throw new Error("not signed in");
  const sessionId = decodeJwt(access.value).sid as string;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace("Z", "+00:00");
  const db = new Database(path.resolve(".tmp", `e2e-${process.env.E2E_PORT}`, "app.db"), { fileMustExist: true });
  try {
    const { changes } = db.prepare(`UPDATE "Session" SET "authenticatedAt" = ? WHERE "id" = ?`).run(hourAgo, sessionId);
    if (changes !== 1) throw new Error(`no session ${sessionId}`);
  } finally {
    db.close();
  }
}

const PERIOD_MS = 30_000;

/**
 * The user's authenticator app, computing codes with `otpauth` from the setup key the
 * page showed. The server takes a code once, and none of an older step after it (no
 * replay), with one step of leeway either side; so each code handed out is of a later
 * step than the last, the next step's early if need be, or after a wait.
 */
export class AuthenticatorApp {
  private readonly totp: TOTP;
  private lastStep = -Infinity;

  constructor(setupKey: string) {
    this.totp = new TOTP({ secret: Secret.fromBase32(setupKey.replace(/\s/g, "")), digits: 6, period: 30 });
  }

  async code(): Promise<string> {
    let now = Math.floor(Date.now() / PERIOD_MS);
    // The next step's code is accepted too, but not while the server might still be two behind.
    if (this.lastStep >= now + 1) {
      await new Promise((resolve) =>
        setTimeout(resolve, (this.lastStep - now) * PERIOD_MS - (Date.now() % PERIOD_MS) + 500),
      );
      now = Math.floor(Date.now() / PERIOD_MS);
    }
    const step = Math.max(now, this.lastStep + 1);
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * PERIOD_MS });
  }
}
