// Runs against a server whose access tokens live 10 s: the dashboard refreshes about 1 s
// before expiry while the tab is visible.
import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { pretendHidden, signIn } from "./helpers";

const secondsLeft = async (meter: Locator) => Number(await meter.getAttribute("aria-valuenow"));
const barWidth = async (meter: Locator) => parseFloat((await meter.locator("rect").nth(1).getAttribute("width")) ?? "");

test("the timeline's access bar drains to expiry and resets after a refresh", async ({ page, context }) => {
  // A background tab: no refresh ahead of expiry, so the bar drains all the way.
  await pretendHidden(context);
  await signIn(page);
  const meter = page.getByRole("meter", { name: "Access token time left" });
  await expect(meter).toHaveAttribute("aria-valuemax", "10");
  await expect(page.getByTestId("token-seconds-left")).toHaveText("expired", { timeout: 30_000 });
  expect(await secondsLeft(meter)).toBe(0);
  expect(await barWidth(meter)).toBe(0);

  // The next call gets a 401, the wrapper refreshes, and the bar is full again.
  await page.getByRole("button", { name: "Check session with the API" }).click();
  await expect(page.getByRole("status")).toContainText("Signed in as");
  // At least 7 s of 10 left, then the bar read at once: still more than 60 % full.
  await expect.poll(() => secondsLeft(meter)).toBeGreaterThanOrEqual(7);
  expect(await barWidth(meter)).toBeGreaterThanOrEqual(60);
  await expect(page.locator("tr[data-generation='1']")).toContainText("in-page 401");
});

test("a refresh ahead of expiry is shown when it happens", async ({ page }) => {
  await signIn(page);
  await page.waitForResponse(
    (response) => new URL(response.url()).pathname === "/api/auth/refresh" && response.status() === 200,
  );
  await expect(page.getByTestId("proactive-refresh")).toContainText("Refreshed ahead of expiry");
  await expect(page.locator("tr[data-generation='1']")).toContainText("proactive refresh");
  await expect(page.getByRole("log", { name: "Fetch wrapper events" })).toContainText("refresh ahead of expiry");
});
