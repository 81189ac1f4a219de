// Runs against a server whose access tokens live 10 s (no clock leeway) and whose reuse
// grace is 1 s.
import type { Request } from "@playwright/test";
import { expect, test } from "./fixtures";
import { authCookies, DEMO, pretendHidden, signIn } from "./helpers";

const ACCESS_TTL_MS = 10_000;
const welcome = { name: `Welcome, ${DEMO.email}` };

const isRefresh = (request: Request) => new URL(request.url()).pathname === "/api/auth/refresh";

test("access-token expiry is invisible on navigation", async ({ page, context }) => {
  await signIn(page);
  const before = await authCookies(context);
  await page.goto("/"); // a public page: nothing refreshes ahead of expiry here
  await page.waitForTimeout(ACCESS_TTL_MS + 1_000);
  const navigationRefresh = page.waitForRequest((r) => isRefresh(r) && r.method() === "GET");
  await page.goto("/dashboard");
  await navigationRefresh; // the middleware sent the navigation through the refresh route
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", welcome)).toBeVisible();
  const after = await authCookies(context);
  expect(after.access?.value).not.toBe(before.access?.value);
  expect(after.refresh?.value).not.toBe(before.refresh?.value);
});

test("access-token expiry is invisible to in-page API calls (refresh once, retry)", async ({ page, context }) => {
  await pretendHidden(context);
  await signIn(page);
  const refreshes: Request[] = [];
  page.on("request", (request) => {
    if (isRefresh(request)) refreshes.push(request);
  });
  await page.waitForTimeout(ACCESS_TTL_MS + 1_000);
  await page.getByRole("button", { name: "Check session with the API" }).click();
  await expect(page.getByRole("status")).toContainText(`Signed in as ${DEMO.email}`);
  expect(refreshes).toHaveLength(1);
});

test("the dashboard refreshes ahead of expiry while visible", async ({ page }) => {
  await signIn(page);
  const refreshed = page.waitForResponse((r) => isRefresh(r.request()) && r.status() === 200);
  await refreshed;
  await expect(page.getByTestId("token-seconds-left")).not.toHaveText(/expired/);
});

test("a stolen refresh cookie replayed after the victim rotated signs both out", async ({ browser }) => {
  const victimContext = await browser.newContext();
  const victim = await victimContext.newPage();
  await signIn(victim);
  await victim.goto("/");
  const stolen = (await authCookies(victimContext)).refresh!;

  // The victim's next navigation after expiry rotates the token.
  await victim.waitForTimeout(ACCESS_TTL_MS + 1_000);
  await victim.goto("/dashboard");
  await expect(victim.getByRole("heading", welcome)).toBeVisible();
  expect((await authCookies(victimContext)).refresh?.value).not.toBe(stolen.value);

  // Past the 1 s grace window, the attacker replays the old token from another browser.
  await victim.waitForTimeout(1_500);
  const attackerContext = await browser.newContext();
  await attackerContext.addCookies([stolen]);
  const attacker = await attackerContext.newPage();
  await attacker.goto("/dashboard");
  await expect(attacker.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // The whole family is revoked: the victim's current token no longer works either.
  await victim.goto("/");
  await victim.waitForTimeout(ACCESS_TTL_MS + 1_000);
  await victim.goto("/dashboard");
  await expect(victim.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await victimContext.close();
  await attackerContext.close();
});

test("two tabs refreshing at once both stay signed in, with one rotation", async ({ context }) => {
  await pretendHidden(context);
  const first = await context.newPage();
  await signIn(first);
  const second = await context.newPage();
  await second.goto("/dashboard");
  await expect(second.getByRole("heading", welcome)).toBeVisible();

  const rotations: Request[] = [];
  context.on("request", (request) => {
    if (isRefresh(request)) rotations.push(request);
  });
  await first.waitForTimeout(ACCESS_TTL_MS + 1_000);
  await Promise.all([
    first.getByRole("button", { name: "Check session with the API" }).click(),
    second.getByRole("button", { name: "Check session with the API" }).click(),
  ]);
  for (const page of [first, second]) {
    await expect(page.getByRole("status")).toContainText(`Signed in as ${DEMO.email}`);
  }
  expect(rotations).toHaveLength(1);
});
