// Everything by keyboard alone: no mouse, no element.focus(), and the focus is visible.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO } from "./helpers";

/**
 * Presses Tab (or Shift+Tab) until the focused element's name starts with `name`, or,
 * for `name` "<time>", until a time element has the focus.
 */
async function tabTo(page: Page, name: string, { backwards = false, limit = 40 } = {}): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element) return "";
      if (element.tagName === "TIME") return "<time>";
      const labelled = element.getAttribute("aria-label");
      const label = element instanceof HTMLInputElement ? element.labels?.[0]?.textContent : null;
      return (labelled ?? label ?? element.textContent ?? "").trim();
    });
    if (focused.startsWith(name)) return;
  }
  throw new Error(`${name} was not reached with ${backwards ? "Shift+Tab" : "Tab"}`);
}

async function expectVisibleFocus(page: Page): Promise<void> {
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement!);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline.style).not.toBe("none");
  expect(outline.width).toBeGreaterThanOrEqual(2);
}

test("skip link, sign-in, and the dashboard's controls work with the keyboard alone", async ({ page }) => {
  await page.goto("/login");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await expectVisibleFocus(page);

  await tabTo(page, "Email");
  await expectVisibleFocus(page);
  await page.keyboard.type(DEMO.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(DEMO.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();

  await tabTo(page, "Drop my access token");
  await expectVisibleFocus(page);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("Access token dropped");

  await tabTo(page, "Check session with the API");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText(`Signed in as ${DEMO.email}`);
  await expect(page.getByRole("log", { name: "Fetch wrapper events" }).locator("li[data-event='retry']")).toHaveCount(
    1,
  );

  // Exact times are reachable by keyboard, not only by hovering.
  await tabTo(page, "<time>");
  await expect(page.locator("time.reltime:focus .reltime-tip")).toBeVisible();

  await tabTo(page, "Sessions", { backwards: true });
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
  await tabTo(page, "Sign out");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("You have been signed out.");
});
