// The dashboard's "Try it" controls, watched through the fetch wrapper's event log.
import { expect, test } from "./fixtures";
import { authCookies, signIn } from "./helpers";

const GRACE_MS = 10_000; // REFRESH_REUSE_GRACE_SECONDS default

test("drop my access token: the next call shows 401 → refresh → retry in the log", async ({ page, context }) => {
  await signIn(page);
  const log = page.getByRole("log", { name: "Fetch wrapper events" });

  await page.getByRole("button", { name: "Drop my access token" }).click();
  await expect(page.getByRole("status")).toContainText("Access token dropped");
  expect((await authCookies(context)).access).toBeUndefined();
  await page.getByRole("button", { name: "Clear log" }).click();

  await page.getByRole("button", { name: "Check session with the API" }).click();
  await expect(page.getByRole("status")).toContainText("Signed in as");
  const entries = log.locator("li");
  await expect(entries).toHaveCount(6);
  const sequence = await entries.evaluateAll((items) =>
    items.map((item) => [item.getAttribute("data-event"), item.getAttribute("data-status")].filter(Boolean).join(" ")),
  );
  expect(sequence).toEqual(["request", "response 401", "refresh-start", "refresh-done 200", "retry", "response 200"]);
  await expect(entries.nth(2)).toContainText("refresh after a 401");
  expect((await authCookies(context)).access).toBeDefined();

  // The rotation history says how the first generation was used.
  const first = page.locator("tr[data-generation='1']");
  await expect(first).toContainText("in-page 401");
  await expect(page.locator("tr[data-generation='2']")).toContainText("current");
});

test.describe("replay an old refresh token", () => {
  // Asked too early, the server refuses with 409, which Chromium logs as a failed load.
  test.use({ allowedConsoleErrors: [/status of 409 \(Conflict\)/] });

  test("signs the session out as theft, and the sign-in page says why", async ({ page, context }) => {
    await signIn(page);
    const replay = page.getByRole("button", { name: "Replay an old refresh token" });

    // Nothing to replay before the first rotation.
    await replay.click();
    await expect(page.getByRole("alert").filter({ hasText: "has not rotated" })).toBeVisible();

    await page.getByRole("button", { name: "Drop my access token" }).click();
    await expect(page.getByRole("status")).toContainText("Access token dropped");
    await page.getByRole("button", { name: "Check session with the API" }).click();
    await expect(page.getByRole("status")).toContainText("Signed in as");

    // Inside the grace window a replay would pass as a retry; past it, it is theft.
    await page.waitForTimeout(GRACE_MS + 1_000);
    await replay.click();

    await expect(page).toHaveURL(/\/login\?.*reason=refresh_token_reused/);
    await expect(page.getByRole("alert").filter({ hasText: "signed out to protect your account" })).toBeVisible();
    expect((await authCookies(context)).refresh).toBeUndefined();
    await page.goto("/dashboard");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });
});
