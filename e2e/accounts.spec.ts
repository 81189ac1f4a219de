import { expect, test } from "./fixtures";
import { DEMO, formAlert, registerThroughPage, signIn, signInWithKeyboard, submitSignIn } from "./helpers";

test.describe("registering", () => {
  // The taken email is answered 409, which Chromium logs as a failed load.
  test.use({ allowedConsoleErrors: [/status of 409 \(Conflict\)/] });

  test("register a new account and land on the dashboard", async ({ page }) => {
    const email = `new-${Date.now()}@example.com`;
    await page.goto("/login");
    await page.getByRole("link", { name: "Create one" }).click();
    // A client-side navigation: wait until the register page is the one on screen.
    await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
    await page.getByLabel("Email").fill(DEMO.email);
    await page.getByLabel("Password").fill("a perfectly fine passphrase");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(formAlert(page)).toHaveText("An account with this email already exists. Sign in instead.");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
    await expect(page.getByText("Account created")).toBeVisible();
  });
});

test("a signed-out visit to /dashboard/sessions returns there after sign-in", async ({ page }) => {
  await page.goto("/dashboard/sessions");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard%2Fsessions/);
  await signInWithKeyboard(page);
  await expect(page).toHaveURL(/\/dashboard\/sessions$/);
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
});

test("two browsers are listed; revoking the other signs it out on its next navigation", async ({ browser }) => {
  const email = `two-${Date.now()}@example.com`;
  const laptop = await browser.newContext();
  const phone = await browser.newContext({
    userAgent:
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
  });
  const laptopPage = await laptop.newPage();
  await registerThroughPage(laptopPage, email, "two browsers password");

  const phonePage = await phone.newPage();
  await signIn(phonePage, "/dashboard", { email, password: "two browsers password" });

  await laptopPage.getByRole("link", { name: "Sessions" }).click();
  const rows = laptopPage.getByRole("row");
  await expect(rows).toHaveCount(3); // header + two sessions
  await expect(laptopPage.getByRole("cell", { name: "Chrome on Android", exact: true })).toBeVisible();
  await expect(laptopPage.getByRole("cell", { name: /\(this device\)/ })).toBeVisible();

  await laptopPage.getByRole("button", { name: "Sign out Chrome on Android" }).click();
  await expect(laptopPage.getByRole("cell", { name: "Chrome on Android", exact: true })).toHaveCount(0);

  // The phone's access token is still unexpired, but its session is gone.
  await phonePage.reload();
  await expect(phonePage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await laptop.close();
  await phone.close();
});

test("change the password: other sessions end, the old password stops working", async ({ browser, page }) => {
  const email = `pw-${Date.now()}@example.com`;
  await registerThroughPage(page, email, "the first password");

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "/dashboard", { email, password: "the first password" });

  await page.getByLabel("Current password").fill("the first password");
  await page.getByLabel("New password").fill("the second password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toHaveText(
    "Password changed. 1 other session signed out.",
  );
  await page.reload();
  await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();

  await otherPage.reload();
  await expect(otherPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await submitSignIn(otherPage, { email, password: "the first password" });
  await expect(formAlert(otherPage)).toHaveText("The email or password is incorrect.");
  await other.close();
});
