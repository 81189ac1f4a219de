import { execFileSync } from "node:child_process";
import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/browser.mjs";
import { buildIsCurrent } from "./scripts/build-state.mjs";
import { makeDevCertificate } from "./scripts/dev-cert.mjs";
import { freePortSync } from "./tests/support/free-port";

// Workers: the browser tests spend most of their time waiting (for pages, and the DBSC
// specs for a token to expire, see below): on a fresh clone, three workers used 167 CPU s
// in 475 s beside the HTTP tests, a third of one core. Four (two more than this machine's
// cores; 398 s in the same run) keep the CPU busy while they wait. E2E_WORKERS overrides
// it (e.g. 1 to watch a single test).
const WORKERS = Number(process.env.E2E_WORKERS ?? 4);

// Ports are picked once, in the runner's process, and handed to its workers via env.
process.env.E2E_PORT ??= String(freePortSync());
process.env.E2E_SHORT_TTL_PORT ??= String(freePortSync());
process.env.E2E_READY_PORT ??= String(freePortSync());
// One DBSC server (and database) per worker slot: the DBSC specs run side by side, and
// each reads its server's database (e.g. the failed-refresh counters, which one test
// must find unchanged while another signs a revoked session out), so no two of them
// may share a server at the same time. TEST_PARALLEL_INDEX is the worker's slot, unique
// among the workers running at any moment; the config is loaded again in each worker.
const dbscPorts = Array.from({ length: WORKERS }, (_, slot) => {
  process.env[`E2E_DBSC_PORT_${slot}`] ??= String(freePortSync());
  return process.env[`E2E_DBSC_PORT_${slot}`]!;
});
const dbscPort = dbscPorts[Number(process.env.TEST_PARALLEL_INDEX ?? 0) % WORKERS]!;
// Read by the DBSC specs to open their server's database (.tmp/e2e-<port>/app.db).
process.env.E2E_DBSC_PORT = dbscPort;

// Every server runs one production build, made here once (not by each server at the
// same time) when the sources changed since the last (scripts/build-state.mjs); `npm
// test` has just built and says so with SKIP_BUILD=1.
if (process.env.SKIP_BUILD !== "1" && !buildIsCurrent()) {
  execFileSync("node_modules/.bin/next", ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  process.env.SKIP_BUILD = "1";
}

const isCI = Boolean(process.env.CI);
const executablePath = findChromium();
if (executablePath === null) throw new Error("No Chromium found: run `node scripts/setup-browser.mjs`.");

type ServerSpec = { port: string; scheme: "http" | "https"; env: Record<string, string> };
const server = (port: string, env: Record<string, string>, scheme: "http" | "https" = "http"): ServerSpec => ({
  port,
  scheme,
  env: {
    AUTH_SECRET: "e2e-secret-0123456789abcdef0123456789abcdef0123",
    APP_URL: `http://127.0.0.1:${port}`,
    BCRYPT_COST: "4",
    // The suite keeps both cores full, and below the request thread's priority every
    // sign-in's hash would wait behind all of it (lib/auth/password-pool.ts).
    PASSWORD_WORKER_NICE: "0",
    // Parallel specs register many fresh users from one address; the limit has its own
    // tests (tests/http/rate-limits.test.ts) and here would only turn sign-ups into 429s.
    RATE_LIMIT_REGISTER_PER_IP: "1000/3600",
    // Every visit of the sign-in page asks for passkey options (autofill).
    RATE_LIMIT_PASSKEY_OPTIONS_PER_IP: "100000/600",
    ...env,
  },
});

// Device-bound sessions need HTTPS with a certificate Chromium trusts, and the DBSC
// features (software keys: no TPM here; for tests only). See docs/dbsc.md.
const tls = makeDevCertificate(".tmp/tls");
const dbscOrigin = (port: string) => `https://localhost:${port}`;
const browserArgs = [
  "--no-sandbox",
  // Without these Chromium keeps trying to reach Google's services.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const SERVERS: ServerSpec[] = [
  // Mail goes to the development mailbox (/dev/mailbox) of the production build: a
  // test-only switch, refused by the app unless APP_URL is loopback.
  server(process.env.E2E_PORT, {
    DEV_MAILBOX: "enabled",
    // The administrators of e2e/admin.spec.ts and e2e/a11y.spec.ts (docs/decisions/0023-administration.md).
    ADMIN_EMAILS: "e2e-admin@example.com,a11y-admin@example.com",
  }),
  server(process.env.E2E_SHORT_TTL_PORT, {
    // 10 s: short enough to watch expiry in a test, long enough that a page's refresh and
    // the checks after it fit inside one lifetime on a busy 2-core machine (at 5 s the
    // parallel suite read a half-drained bar right after a refresh).
    ACCESS_TOKEN_TTL_SECONDS: "10",
    REFRESH_REUSE_GRACE_SECONDS: "1",
    CLOCK_LEEWAY_SECONDS: "0",
  }),
  // Two and a half minutes, because of two rules in Chromium's network stack
  // (net/device_bound_sessions/session_service_impl.cc):
  // - proactive refresh: any request in the session's scope whose bound cookie has
  //   120 s or less left (kProactiveRefreshThreshold) makes the browser renew it. A
  //   lifetime under 120 s is born inside that window and is renewed on every request
  //   (what "60 s cookies renewed about every second" was);
  // - the signing quota: 6 signatures per site per 9 minutes in one browser context,
  //   registration included; then `SigningQuotaExceeded` and no renewal at all.
  // Chromium does require the lifetime to exceed 120 s, with room for the requests one
  // test makes (every request more than 30 s after a renewal renews again). In
  // Chromium 156 the threshold is a constant: with `--enable-features=
  // DeviceBoundSessionProactiveRefresh:Threshold/10s` (a parameter of older builds)
  // and 30 s tokens, this Chromium still renewed within 2 s of each cookie and hit
  // SigningQuotaExceeded after 6 signatures (checked 2026-12-04). The quota could be
  // switched off (the `RefreshQuota` parameter of `DeviceBoundSessions`), but then
  // the tests would no longer see what a real browser does. So the lifetime stays,
  // and the waits run side by side: one server per worker slot (dbscPorts above).
  ...dbscPorts.map((port) =>
    server(
      port,
      {
        APP_URL: dbscOrigin(port),
        TLS_CERT_FILE: tls.certFile,
        TLS_KEY_FILE: tls.keyFile,
        ACCESS_TOKEN_TTL_SECONDS: "150",
        CLOCK_LEEWAY_SECONDS: "0",
      },
      "https",
    ),
  ),
];

export default defineConfig({
  testDir: "e2e",
  forbidOnly: isCI,
  retries: 0,
  workers: WORKERS,
  timeout: 60_000,
  // Workers share two cores with their servers (and, in `npm test`, with the HTTP tests):
  // a first page from a server that has just started can take longer than the default 5 s.
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { open: "never" }], ["json", { outputFile: ".tmp/playwright.json" }]],
  use: {
    // A failed test keeps its trace (actions, DOM snapshots, network), but without the
    // screencast: recording frames of every test cost CPU that the tests, sharing two cores
    // with their servers, needed (the failure screenshot below still shows the page).
    trace: { mode: "retain-on-failure", screenshots: false },
    screenshot: "only-on-failure",
    launchOptions: { executablePath, args: browserArgs },
  },
  projects: [
    // First, so that the long DBSC tests start first and the short ones fill in around them.
    {
      name: "chromium-dbsc",
      testMatch: /dbsc\.spec\.ts$/,
      // Each test signs in its own session in its own browser context (its own DBSC
      // signing quota), on its worker's own server.
      fullyParallel: true,
      use: {
        browserName: "chromium",
        baseURL: dbscOrigin(dbscPort),
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
    {
      name: "chromium",
      testIgnore: /short-ttl|dbsc\.spec/,
      // Every test makes its own accounts or signs the demo user in afresh (its own
      // session): none depends on another's order or state.
      fullyParallel: true,
      // The axe runs (four per page) share the cores with the other workers and, in `npm
      // test`, with the HTTP tests: more room than the default minute.
      timeout: 120_000,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_PORT}` },
    },
    {
      // Access tokens that expire in seconds (no clock leeway), and a short reuse grace window.
      name: "chromium-short-ttl",
      testMatch: /short-ttl/,
      fullyParallel: true,
      // Up to 25 s of a test is spent waiting for tokens to expire; the rest, a dozen page
      // loads, took over 35 s in a clean-clone `npm test` beside the HTTP tests.
      timeout: 120_000,
      use: { browserName: "chromium", baseURL: `http://127.0.0.1:${process.env.E2E_SHORT_TTL_PORT}` },
    },
  ],
  // All servers start together (scripts/e2e-servers.mjs); Playwright would start the
  // entries of a list one after another.
  webServer: {
    command: "node scripts/e2e-servers.mjs",
    url: `http://127.0.0.1:${process.env.E2E_READY_PORT}/`,
    reuseExistingServer: false,
    timeout: 240_000,
    // SIGTERM, so that each server removes its database (the default is SIGKILL).
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    stdout: "ignore",
    stderr: "pipe",
    env: { E2E_SERVERS: JSON.stringify(SERVERS), E2E_READY_PORT: process.env.E2E_READY_PORT },
  },
});
