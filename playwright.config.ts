import { execFileSync } from "node:child_process";
import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/browser.mjs";
import { freePortSync } from "./tests/support/free-port";

// Ports are picked once, in the runner's process, and handed to its workers via env.
process.env.E2E_PORT ??= String(freePortSync());
process.env.E2E_SHORT_TTL_PORT ??= String(freePortSync());

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

const server = (port: string, env: Record<string, string>) => ({
  command: `node scripts/e2e-server.mjs ${port}`,
  url: `http://127.0.0.1:${port}/api/health`,
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
    launchOptions: {
      executablePath,
      // Without these Chromium keeps trying to reach Google's services.
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [
    {
      name: "chromium",
      testIgnore: /short-ttl/,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_PORT}` },
    },
    {
      // Access tokens that expire in seconds (no clock leeway), and a short reuse grace window.
      name: "chromium-short-ttl",
      testMatch: /short-ttl/,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_SHORT_TTL_PORT}` },
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
  ],
});
