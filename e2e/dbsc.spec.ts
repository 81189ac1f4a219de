// Device-bound sessions with this machine's Chromium (DBSC features on, software keys,
// the server's self-signed certificate trusted by SPKI: playwright.config.ts). Access
// tokens live 150 s here, so the tests that need one to expire wait that long.
//
// Why 150 s, and not a few seconds (checked 2026-12-04 against Chromium's source and
// this machine's Chromium 156):
// - Chromium renews a bound cookie on any request in scope that finds it 120 s or less
//   from expiry (kProactiveRefreshThreshold in net/device_bound_sessions; a constant in
//   156: the `DeviceBoundSessionProactiveRefresh:Threshold` parameter of older builds
//   has no effect here);
// - it allows 6 signatures (registration included) per site per 9 minutes in one
//   browser context, then reports SigningQuotaExceeded and renews nothing.
// A lifetime under 120 s is born inside the renewal window, so every request renews it:
// with 30 s tokens (and that parameter at 10 s) this Chromium registered and renewed 5
// times within 6 s of sign-in, then hit the quota. 150 s leaves 30 s after each renewal
// without another, which keeps a test's handful of requests within the quota. Nor can the
// waits be faked: they are for the dashboards' own refresh-ahead timers and for the
// server's verdict on a stolen token's `exp`. (Where a test needs only a missing cookie,
// it deletes it with `clearCookies({ name: ACCESS })` instead of waiting.) So the waits
// run side by side: each test has its own session and browser context (its own quota),
// and each worker its own server and database (playwright.config.ts).
import path from "node:path";
import Database from "better-sqlite3";
import type { BrowserContext, CDPSession, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO, signIn } from "./helpers";

// The fields of CDP's Network.deviceBoundSessionEventOccurred that the tests read.
type DbscEvent = {
  succeeded: boolean;
  sessionId?: string;
  creationEventDetails?: { fetchResult: string };
  refreshEventDetails?: { refreshResult: string; fetchResult?: string };
  terminationEventDetails?: { deletionReason: string };
  challengeEventDetails?: { challengeResult: string };
};

const ACCESS = "__Host-access_token";
const REFRESH = "__Secure-refresh_token";

test.describe.configure({ timeout: 360_000 });

/** Reads the DBSC server's database (read-only) while it runs. */
function readDb<T>(read: (db: Database.Database) => T): T {
  const file = path.resolve(".tmp", `e2e-${process.env.E2E_DBSC_PORT}`, "app.db");
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function sessionRow(sessionId: string) {
  return readDb(
    (db) =>
      db
        .prepare(
          `SELECT id, revokedAt, dbscPublicKey, dbscAlgorithm, dbscThumbprint, dbscBoundAt FROM "Session" WHERE id = ?`,
        )
        .get(sessionId) as
        | {
            id: string;
            revokedAt: number | null;
            dbscPublicKey: string | null;
            dbscAlgorithm: string | null;
            dbscThumbprint: string | null;
            dbscBoundAt: number | null;
          }
        | undefined,
  );
}

/** The failed-refresh counters per client address (lib/auth/rate-limit.ts), as stored. */
function refreshFailureCounters(): unknown[] {
  return readDb((db) =>
    db.prepare(`SELECT * FROM "RateLimiterFlexible" WHERE key LIKE 'refresh-failures-ip%' ORDER BY key`).all(),
  );
}

/** Records the browser's DBSC events for one page's network stack. */
async function watchDbsc(page: Page): Promise<{ cdp: CDPSession; events: DbscEvent[] }> {
  const cdp = await page.context().newCDPSession(page);
  const events: DbscEvent[] = [];
  cdp.on("Network.deviceBoundSessionEventOccurred", (event) => {
    events.push(event);
  });
  await cdp.send("Network.enable");
  await cdp.send("Network.enableDeviceBoundSessions", { enable: true });
  return { cdp, events };
}

async function waitForEvent(events: DbscEvent[], match: (event: DbscEvent) => boolean): Promise<DbscEvent> {
  await expect.poll(() => events.some(match), { timeout: 60_000 }).toBe(true);
  return events.find(match)!;
}

const created = (event: DbscEvent) => event.succeeded && event.creationEventDetails?.fetchResult === "Success";
const refreshed = (event: DbscEvent) => event.succeeded && event.refreshEventDetails?.refreshResult === "Refreshed";

/** Signs in and waits until the browser has bound the session; returns its id. */
async function signInBound(page: Page, events: DbscEvent[]): Promise<string> {
  // These tests start first, in the suite's busiest minute: every server and browser
  // starting and, in `npm test`, the HTTP tests starting beside them. There the
  // dashboard once took more than the usual 15 s to show (a sign-in that takes 3 s on
  // a quiet machine). The wait is for the page, not part of what is tested.
  await signIn(page, "/dashboard", DEMO, { timeout: 45_000 });
  const creation = await waitForEvent(events, created);
  expect(creation.sessionId).toBeTruthy();
  return creation.sessionId!;
}

async function cookie(context: BrowserContext, name: string) {
  return (await context.cookies()).find((c) => c.name === name);
}

/** Waits until a cookie's own expiry (Max-Age) has passed, plus a second. */
async function waitPast(expires: number): Promise<void> {
  const ms = expires * 1000 - Date.now() + 1000;
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

test("sign-in registers a device-bound session: the browser reports it and the session row holds the key", async ({
  page,
}) => {
  const { events } = await watchDbsc(page);
  const sessionId = await signInBound(page, events);

  const row = sessionRow(sessionId);
  expect(row).toBeDefined();
  expect(row!.dbscAlgorithm).toBe("ES256");
  expect(row!.dbscThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(row!.dbscBoundAt).not.toBeNull();
  const key = JSON.parse(row!.dbscPublicKey!) as Record<string, string>;
  expect(Object.keys(key).sort()).toEqual(["crv", "kty", "x", "y"]);

  await page.goto("/dashboard/sessions");
  const current = page.locator(`tr[data-session-id="${sessionId}"]`);
  await expect(current).toContainText("Device-bound");
  await expect(current).toContainText(row!.dbscThumbprint!.slice(0, 8));
  await page.goto("/dashboard");
  await expect(page.getByText("This browser bound its session to a device key")).toBeVisible();
});

test("when the access cookie expires the browser renews it through the DBSC route while the user navigates", async ({
  page,
  context,
}) => {
  const { events } = await watchDbsc(page);
  await signInBound(page, events);
  const access = (await cookie(context, ACCESS))!;
  const refresh = (await cookie(context, REFRESH))!;

  await waitPast(access.expires);
  await page.goto("/dashboard/sessions");
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();

  await waitForEvent(events, refreshed);
  const renewed = (await cookie(context, ACCESS))!;
  expect(renewed.value).not.toBe(access.value);
  expect(renewed.expires).toBeGreaterThan(access.expires);
  // The refresh cookie was not what renewed it: it was neither rotated nor cleared.
  expect((await cookie(context, REFRESH))?.value).toBe(refresh.value);

  // With no access cookie at all, the browser holds the navigation until it has renewed it.
  await context.clearCookies({ name: ACCESS });
  const before = events.filter(refreshed).length;
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
  expect(events.filter(refreshed).length).toBeGreaterThan(before);
  expect((await cookie(context, ACCESS))?.value).toMatch(/^ey/);
  expect((await cookie(context, REFRESH))?.value).toBe(refresh.value);
});

test("dashboards of a bound session never post its refresh cookie: the browser renews the access token", async ({
  page,
  context,
  baseURL,
}) => {
  const { events } = await watchDbsc(page);
  const countersBefore = refreshFailureCounters();
  // Signed in without the browser seeing the registration offer, so that this dashboard
  // renders before the session is bound, every time. (Signed in through the page, the
  // browser here had bound the session before the dashboard rendered, in 7 runs of 7;
  // on a busier machine it may not have, and the page must get past that picture.)
  const login = await page.request.post("/api/auth/login", {
    data: { email: DEMO.email, password: DEMO.password },
    headers: { origin: baseURL! },
    ignoreHTTPSErrors: true,
  });
  expect(login.status()).toBe(200);
  await page.goto("/dashboard");
  await expect(page.getByText("The line marks the proactive refresh")).toBeVisible();
  const rendered = (await cookie(context, ACCESS))!;

  // The browser takes a registration offer behind the dashboard's back: from a sign-in the
  // token lab does not see, as another tab's would be (only a sign-in offers a binding:
  // issue 22, finding 3).
  const credentials = { email: DEMO.email, password: DEMO.password };
  const signedInAgain = await page.evaluate(
    async (body) =>
      (await fetch("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body }))
        .status,
    JSON.stringify(credentials),
  );
  expect(signedInAgain).toBe(200);
  const sessionId = (await waitForEvent(events, created)).sessionId!;
  const access = (await cookie(context, ACCESS))!;
  const refresh = (await cookie(context, REFRESH))!;
  expect(access.expires).toBeGreaterThan(rendered.expires);

  // From here on, in every tab: a second dashboard, opened once the session is bound.
  const refreshPosts: string[] = [];
  context.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/auth/refresh") {
      refreshPosts.push(`${new Date().toISOString()} ${request.headers()["x-refresh-reason"] ?? ""}`);
    }
  });
  const later = await context.newPage();
  await later.goto("/dashboard");
  await expect(later.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();

  // Past both pages' proactive-refresh points and the expiry of every token they rendered.
  await waitPast(access.expires);
  await waitForEvent(events, refreshed);
  expect((await cookie(context, ACCESS))!.value).not.toBe(access.value);
  for (const tab of [page, later]) {
    await tab.getByRole("button", { name: "Check session with the API" }).click();
    await expect(tab.getByRole("status")).toContainText(`Signed in as ${DEMO.email}`);
    await expect(tab).toHaveURL(/\/dashboard$/);
  }

  expect.soft(refreshPosts, "POST /api/auth/refresh requests once the session was bound").toEqual([]);
  expect.soft(refreshFailureCounters(), "failed-refresh counters").toEqual(countersBefore);
  expect.soft((await cookie(context, REFRESH))?.value, "refresh cookie").toBe(refresh.value);
  for (const tab of [page, later]) {
    // Each page has read the token the browser renewed: its access bar is not at "expired".
    const meter = tab.getByRole("meter", { name: "Access token time left" });
    await expect
      .poll(async () => Number(await meter.getAttribute("aria-valuenow")), { timeout: 15_000 })
      .toBeGreaterThan(0);
    const timeline = tab.getByRole("region", { name: "Token timeline" });
    await expect(timeline.getByText("This session is bound to a device key")).toBeVisible();
    await expect(tab.getByRole("log", { name: "Fetch wrapper events" })).toContainText("bound to a device key");
  }
  expect(sessionRow(sessionId)!.revokedAt).toBeNull();
});

test("stolen cookies stop working when the access token expires; the key holder stays signed in", async ({
  page,
  context,
  browser,
  playwright,
  baseURL,
}) => {
  const { events } = await watchDbsc(page);
  const sessionId = await signInBound(page, events);
  const stolen = await context.cookies();
  const stolenAccess = stolen.find((c) => c.name === ACCESS)!;
  const stolenRefresh = stolen.find((c) => c.name === REFRESH)!;

  // A second browser profile: the same cookies, but not the key.
  const thief = await browser.newContext({ baseURL });
  await thief.addCookies(
    stolen.map(({ name, value, domain, path, expires, httpOnly, secure, sameSite }) =>
      name.startsWith("__Host-")
        ? { name, value, url: `${baseURL}/`, expires, httpOnly, secure, sameSite }
        : { name, value, domain, path, expires, httpOnly, secure, sameSite },
    ),
  );
  const thiefPage = await thief.newPage();
  await thiefPage.goto("/dashboard");
  await expect(thiefPage.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();

  // And plain HTTP requests with the same cookies.
  const http = await playwright.request.newContext({ baseURL, ignoreHTTPSErrors: true });
  const cookieHeader = (...names: string[]) =>
    stolen
      .filter((c) => names.includes(c.name))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  expect((await http.get("/api/me", { headers: { cookie: cookieHeader(ACCESS) } })).status()).toBe(200);

  await waitPast(stolenAccess.expires);

  await thiefPage.goto("/dashboard");
  await expect(thiefPage).toHaveURL(/\/login\?next=%2Fdashboard/);
  expect((await http.get("/api/me", { headers: { cookie: cookieHeader(ACCESS, REFRESH) } })).status()).toBe(401);
  const plainRefresh = await http.post("/api/auth/refresh", {
    headers: { cookie: cookieHeader(REFRESH), origin: baseURL! },
  });
  expect(plainRefresh.status()).toBe(401);
  expect((await plainRefresh.json()).error).toBe("session_bound");
  expect(plainRefresh.headers()["set-cookie"] ?? "").not.toContain(`${ACCESS}=ey`);
  const navigationRefresh = await http.get("/api/auth/refresh?next=/dashboard", {
    headers: { cookie: cookieHeader(REFRESH) },
    maxRedirects: 0,
  });
  expect(navigationRefresh.status()).toBe(303);
  expect(navigationRefresh.headers().location).toContain("/login");
  // Nor can the thief ask the DBSC route: a challenge is all it gets.
  const dbscRefresh = await http.post("/api/auth/dbsc/refresh", {
    headers: { "sec-secure-session-id": sessionId, cookie: cookieHeader(REFRESH), origin: baseURL! },
  });
  expect(dbscRefresh.status()).toBe(403);
  expect(dbscRefresh.headers()["set-cookie"]).toBeUndefined();
  expect(stolenRefresh.value).toBeTruthy();

  // The browser that holds the key is still signed in, on the same session.
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
  expect(sessionRow(sessionId)!.revokedAt).toBeNull();
  await thief.close();
  await http.dispose();
});

test("revoking the session from the sessions page ends the browser's DBSC session", async ({
  page,
  context,
  browser,
  baseURL,
}) => {
  const { events } = await watchDbsc(page);
  const sessionId = await signInBound(page, events);

  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await signIn(otherPage);
  await otherPage.goto("/dashboard/sessions");
  const row = otherPage.locator(`tr[data-session-id="${sessionId}"]`);
  await row.getByRole("button", { name: /sign out/i }).click();
  await expect(row).toHaveCount(0);
  await other.close();

  // Without its access cookie the browser must ask the DBSC route, which ends the session.
  await context.clearCookies({ name: ACCESS });
  await page.goto("/dashboard");
  const ended = await waitForEvent(
    events,
    (event) => event.terminationEventDetails?.deletionReason === "ServerRequested",
  );
  expect(ended.sessionId).toBe(sessionId);
  await expect(page).toHaveURL(/\/login/);
  expect(await cookie(context, REFRESH)).toBeUndefined();
});
