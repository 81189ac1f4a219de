import { createHash, randomBytes } from "node:crypto";
import { expect, type APIRequestContext, type BrowserContext, type Locator, type Page } from "@playwright/test";

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

/** Signs in through the login page and waits for the dashboard (`timeout`: for that wait). */
export async function signIn(
  page: Page,
  path = "/dashboard",
  credentials = DEMO,
  { timeout }: { timeout?: number } = {},
): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await submitSignIn(page, credentials);
  await expect(page.getByRole("heading", { name: `Welcome, ${credentials.email}` })).toBeVisible({ timeout });
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

/** An address no other test uses: specs run in parallel against shared servers. */
export const uniqueEmail = (label: string) => `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** demo-cli's authorization request for the code grant, as the consent page receives it. */
export function authorizeRequest(redirectUri: string): { path: string; verifier: string; state: string } {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString("hex");
  const query = new URLSearchParams({
    response_type: "code",
    client_id: "demo-cli",
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "account",
    state,
  });
  return { path: `/oauth/authorize?${query}`, verifier, state };
}

/** Starts demo-cli's device grant (RFC 8628); the user code is what /device approves. */
export async function startDeviceFlow(request: APIRequestContext): Promise<{ device_code: string; user_code: string }> {
  const response = await request.post("/api/oauth/device_authorization", {
    form: { client_id: "demo-cli", scope: "account" },
  });
  expect(response.status()).toBe(200);
  return (await response.json()) as { device_code: string; user_code: string };
}
