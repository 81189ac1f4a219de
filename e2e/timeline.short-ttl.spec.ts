// Runs against a server whose access tokens live 5 s: the dashboard refreshes about 1 s
// before expiry while the tab is visible.
import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

const secondsLeft = async (meter: Locator) => Number(await meter.getAttribute("aria-valuenow"));
const barWidth = async (meter: Locator) => parseFloat((await meter.locator("rect").nth(1).getAttribute("width")) ?? "");

test("the timeline's access bar drains, and resets when the token is refreshed ahead of expiry", async ({ page }) => {
  await signIn(page);
  const meter = page.getByRole("meter", { name: "Access token time left" });
  await expect(meter).toHaveAttribute("aria-valuemax", "5");

  const refreshed = page.waitForResponse(
    (response) => new URL(response.url()).pathname === "/api/auth/refresh" && response.status() === 200,
  );
  await expect.poll(() => secondsLeft(meter)).toBeLessThanOrEqual(2);
  const drained = await barWidth(meter);
  expect(drained).toBeLessThanOrEqual(40);

  await refreshed;
  await expect.poll(() => secondsLeft(meter)).toBeGreaterThanOrEqual(3);
  expect(await barWidth(meter)).toBeGreaterThan(drained);
  await expect(page.getByTestId("proactive-refresh")).toContainText("Refreshed ahead of expiry");
  await expect(page.locator("tr[data-generation='1']")).toContainText("proactive refresh");
});
