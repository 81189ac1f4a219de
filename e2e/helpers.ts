import { expect, type BrowserContext, type Locator, type Page } from "@playwright/test";

import { DEMO_USER } from "../prisma/demo-user";

export const DEMO = DEMO_USER;

/** Signs in through the login page with the keyboard only. */
export async function signInWithKeyboard(page: Page, credentials = DEMO): Promise<void> {
  await page.getByLabel("Email").focus();
  await page.keyboard.type(credentials.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(credentials.password);
  await page.keyboard.press("Enter");
}

/** Fills in and submits the sign-in form on the page, whatever the outcome. */
export async function submitSignIn(page: Page, credentials: { email: string; password: string }): Promise<void> {
  await page.getByLabel("Email").fill(credentials.email);
  await page.getByLabel("Password").fill(credentials.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signIn(page: Page, path = "/dashboard", credentials = DEMO): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await submitSignIn(page, credentials);
  await expect(page.getByRole("heading", { name: `Welcome, ${credentials.email}` })).toBeVisible();
}

/** Creates an account through the register page and waits for the dashboard. */
export async function registerThroughPage(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
}

export async function authCookies(context: BrowserContext) {
  const cookies = await context.cookies();
  return {
    access: cookies.find((c) => c.name === "access_token"),
    refresh: cookies.find((c) => c.name === "refresh_token"),
  };
}

/**
 * Makes the page believe it is in a background tab, so the dashboard does not refresh
 * ahead of expiry and the 401 → refresh → retry path of the fetch wrapper is exercised.
 */
export async function pretendHidden(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
  });
}

/** The form's own error message (Next.js adds a route-announcer alert to every page). */
export function formAlert(page: Page): Locator {
  return page.locator("form").getByRole("alert");
}
