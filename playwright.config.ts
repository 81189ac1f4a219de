import { execFileSync } from "node:child_process";
import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/browser.mjs";
import { makeDevCertificate } from "./scripts/dev-cert.mjs";
import { freePortSync } from "./tests/support/free-port";

// Ports are picked once, in the runner's process, and handed to its workers via env.
process.env.E2E_PORT ??= String(freePortSync());
process.env.E2E_SHORT_TTL_PORT ??= String(freePortSync());
process.env.E2E_DBSC_PORT ??= String(freePortSync());

// Both servers run one production build, made here once (not by each server at the
// same time); `npm test` has just built and says so with E2E_SKIP_BUILD=1.
if (process.env.E2E_SKIP_BUILD !== "1") {
  execFileSync("node_modules/.bin/next", ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  process.env.E2E_SKIP_BUILD = "1";
}

const isCI = Boolean(process.env.CI);
const executablePath = findChromium();
if (executablePath === null) throw new Error("No Chromium found: run `node scripts/setup-browser.mjs`.");

const server = (port: string, env: Record<string, string>, scheme: "http" | "https" = "http") => ({
  command: `node scripts/e2e-server.mjs ${port}`,
  url: `${scheme}://127.0.0.1:${port}/api/health`,
  // The https server has a self-signed certificate (the browser trusts it by SPKI).
  ignoreHTTPSErrors: scheme === "https",
  reuseExistingServer: false,
  timeout: 240_000,
  stdout: "ignore" as const,
  stderr: "pipe" as const,
  env: {
    AUTH_SECRET: "e2e-secret-0123456789abcdef0123456789abcdef0123",
    APP_URL: `http://127.0.0.1:${port}`,
    BCRYPT_COST: "4",
    ...env,
  },
});

// Device-bound sessions need HTTPS with a certificate Chromium trusts, and the DBSC
// features (software keys: no TPM here; for tests only). See notes in README.
const tls = makeDevCertificate(".tmp/tls");
const dbscOrigin = `https://localhost:${process.env.E2E_DBSC_PORT}`;
const browserArgs = [
  "--no-sandbox",
  // Without these Chromium keeps trying to reach Google's services.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "e2e",
  forbidOnly: isCI,
  retries: 0,
  workers: 1,
  timeout: 60_000,
  reporter: [["list"], ["html", { open: "never" }], ["json", { outputFile: ".tmp/playwright.json" }]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath, args: browserArgs },
  },
  projects: [
    {
      name: "chromium",
      testIgnore: /short-ttl|dbsc\.spec/,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_PORT}` },
    },
    {
      // Access tokens that expire in seconds (no clock leeway), and a short reuse grace window.
      name: "chromium-short-ttl",
      testMatch: /short-ttl/,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_SHORT_TTL_PORT}` },
    },
    {
      name: "chromium-dbsc",
      testMatch: /dbsc\.spec\.ts$/,
      use: {
        browserName: "chromium",
        baseURL: dbscOrigin,
        launchOptions: {
          executablePath,
          args: [
            ...browserArgs,
            "--enable-features=DeviceBoundSessions,EnableBoundSessionCredentialsSoftwareKeysForManualTesting",
            `--ignore-certificate-errors-spki-list=${tls.spki}`,
          ],
        },
      },
    },
  ],
  webServer: [
    // Mail goes to the development mailbox (/dev/mailbox) of the production build: a
    // test-only switch, refused by the app unless APP_URL is loopback.
    server(process.env.E2E_PORT, { DEV_MAILBOX: "enabled" }),
    server(process.env.E2E_SHORT_TTL_PORT, {
      ACCESS_TOKEN_TTL_SECONDS: "5",
      REFRESH_REUSE_GRACE_SECONDS: "1",
      CLOCK_LEEWAY_SECONDS: "0",
    }),
    // Two and a half minutes: Chromium renews a bound cookie proactively once it is
    // within a threshold of expiry (measured here: above 60 s, below 150 s). A shorter
    // lifetime has it renewing every second, into its signing quota.
    server(
      process.env.E2E_DBSC_PORT,
      {
        APP_URL: dbscOrigin,
        TLS_CERT_FILE: tls.certFile,
        TLS_KEY_FILE: tls.keyFile,
        ACCESS_TOKEN_TTL_SECONDS: "150",
        CLOCK_LEEWAY_SECONDS: "0",
      },
      "https",
    ),
  ],
});
