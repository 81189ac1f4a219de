// Account recovery and email through the browser. The e2e server runs the production
// build with DEV_MAILBOX=enabled (playwright.config.ts), so mail lands in the database
// and is read at /dev/mailbox, as in `npm run dev` without SMTP_URL.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { formAlert, registerThroughPage, submitSignIn, uniqueEmail } from "./helpers";

/** Opens the newest mail with this subject to this address and follows its link. */
async function followMailedLink(page: Page, to: string, subject: string): Promise<void> {
  await page.goto("/dev/mailbox");
  await expect(page.getByRole("heading", { name: "Development mailbox" })).toBeVisible();
  const mail = page
    .getByRole("article")
    .filter({ hasText: to })
    .filter({ has: page.getByRole("heading", { name: subject }) })
    .first();
  await expect(mail).toBeVisible();
  await mail.getByRole("link", { name: /^Open link/ }).click();
}

test.describe("forgot password", () => {
  // The second use of the reset link is answered 400, which Chromium logs as a failed load.
  test.use({ allowedConsoleErrors: [/status of 400 \(Bad Request\)$/] });

  test("forgot password: mail, new password, every other session signed out", async ({ browser }) => {
    // About 35 actions in two browsers: beside the HTTP tests on two cores, a clean-clone
    // `npm test` took 125 s over them (a page load alone up to 12 s).
    test.setTimeout(240_000);
    const email = uniqueEmail("forgot");
    const oldDevice = await browser.newContext();
    const oldPage = await oldDevice.newPage();
    await registerThroughPage(oldPage, email, "the forgotten password");

    const context = await browser.newContext();
    const page = await context.newPage();
    const referers: string[] = [];
    page.on("request", (request) => {
      const referer = request.headers()["referer"];
      if (referer) referers.push(referer);
    });
    await page.goto("/login");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await expect(page.getByRole("heading", { name: "Forgot password" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByRole("status")).toContainText("If an account exists for that address");

    await followMailedLink(page, email, "Reset your password");
    await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
    // The token left the address bar before the page loaded, and no request carried it.
    expect(new URL(page.url()).search).toBe("");
    expect(referers.filter((r) => r.includes("token="))).toEqual([]);
    await page.getByLabel("New password").fill("the remembered password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
    expect(referers.filter((r) => r.includes("token="))).toEqual([]);

    // The session that existed before the reset is gone, refresh token included.
    await oldPage.reload();
    await expect(oldPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await submitSignIn(oldPage, { email, password: "the forgotten password" });
    await expect(formAlert(oldPage)).toHaveText("The email or password is incorrect.");
    await oldPage.getByLabel("Password").fill("the remembered password");
    await oldPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(oldPage.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();

    // A reset link works once.
    await followMailedLink(page, email, "Reset your password");
    await page.getByLabel("New password").fill("a third password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(formAlert(page)).toContainText("invalid, expired or already used");
    await oldDevice.close();
    await context.close();
  });
});

test("verification banner, resend, and the mailed link", async ({ page }) => {
  const email = uniqueEmail("verify");
  await registerThroughPage(page, email, "verify this address");
  const banner = page.getByRole("region", { name: "Your email address is not verified" });
  await expect(banner).toBeVisible();
  await banner.getByRole("button", { name: "Resend verification mail" }).click();
  await expect(banner.getByRole("status")).toHaveText(`A new verification link is on its way to ${email}.`);

  await followMailedLink(page, email, "Confirm your email address");
  await expect(page.getByRole("heading", { name: "Verify your email address" })).toBeVisible();
  expect(new URL(page.url()).search).toBe("");
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await expect(page.getByRole("status")).toContainText("Your email address is verified.");
  await page.getByRole("link", { name: "Continue to your dashboard" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  await expect(page.getByRole("region", { name: "Your email address is not verified" })).toHaveCount(0);
});

test("delete account asks for the password and once more, then signs out for good", async ({ page }) => {
  const email = uniqueEmail("delete");
  const password = "delete me please";
  await registerThroughPage(page, email, password);
  const section = page.getByRole("region", { name: "Delete account" });
  const confirm = page.getByRole("dialog", { name: `Delete ${email} for good?` });
  const deleteRequests: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "DELETE") deleteRequests.push(request.url());
  });

  // Cancel (focused when the dialog opens) deletes nothing.
  await section.getByLabel("Password to confirm").fill(password);
  await section.getByRole("button", { name: "Delete account" }).click();
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  // Escape too.
  await section.getByRole("button", { name: "Delete account" }).click();
  await expect(confirm).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  expect(deleteRequests).toEqual([]);

  await section.getByLabel("Password to confirm").fill("not my password");
  await section.getByRole("button", { name: "Delete account" }).click();
  await confirm.getByRole("button", { name: "Yes, delete my account" }).click();
  await expect(section.getByRole("alert")).toHaveText("The password is incorrect.");
  await section.getByLabel("Password to confirm").fill(password);
  await section.getByRole("button", { name: "Delete account" }).click();
  await confirm.getByRole("button", { name: "Yes, delete my account" }).click();
  await expect(page.getByRole("heading", { name: "Account deleted" })).toBeVisible();

  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await submitSignIn(page, { email, password });
  await expect(formAlert(page)).toHaveText("The email or password is incorrect.");
});
