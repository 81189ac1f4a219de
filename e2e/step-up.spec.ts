// Step-up in the browser (issue 23): a sensitive action of a session whose sign-in is
// older than REAUTH_MAX_AGE_SECONDS opens "Confirm it's you" in place; a wrong answer is
// told in the dialog and nothing is retried; the right one (password, authenticator code
// or passkey) completes the action; Cancel leaves it undone and the page says so.
import type { BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { registerThroughPage } from "./helpers";
import { AuthenticatorApp, ageAuthentication } from "./step-up-helpers";

const PASSWORD = "a step-up e2e password";
// The refusal that opens the dialog is a 403, which Chromium logs as a console error.
test.use({ allowedConsoleErrors: [/status of 403 \(Forbidden\)/] });

const newEmail = (label: string) =>
  `step-up-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function staleSecurityPage(page: Page, context: BrowserContext, label: string): Promise<string> {
  const email = newEmail(label);
  await registerThroughPage(page, email, PASSWORD);
  await page.getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("heading", { name: "Security", level: 1 })).toBeVisible();
  await ageAuthentication(context);
  return email;
}

const confirmDialog = (page: Page) => page.getByRole("dialog", { name: "Confirm it's you" });

test.describe("step-up dialog", () => {
  test("password: a wrong one is told in the dialog, the right one completes the change", async ({ page, context }) => {
    await registerThroughPage(page, newEmail("password"), PASSWORD);
    await ageAuthentication(context);
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();

    const dialog = confirmDialog(page);
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Password")).toBeFocused();
    await dialog.getByLabel("Password").fill("not the password");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog.getByRole("alert")).toHaveText("The password is incorrect.");
    await expect(dialog).toBeVisible();

    await dialog.getByLabel("Password").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toBeVisible();
  });

  test("cancel: the action is not done, and the page says so", async ({ page, context }) => {
    await staleSecurityPage(page, context, "cancel");
    await page.getByLabel("New email address").fill(newEmail("new-address"));
    await page.getByRole("button", { name: "Send confirmation link" }).click();
    const dialog = confirmDialog(page);
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("alert").filter({ hasText: "you cancelled the confirmation" })).toBeVisible();

    // Escape is a cancel too; then the same action, confirmed, goes through.
    await page.getByRole("button", { name: "Send confirmation link" }).click();
    await expect(dialog).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await page.getByRole("button", { name: "Send confirmation link" }).click();
    await dialog.getByLabel("Password").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("status").filter({ hasText: "on its way" })).toBeVisible();
  });

  test("an account with an authenticator app confirms with a code", async ({ page, context }) => {
    await staleSecurityPage(page, context, "totp");
    // Fresh enough for the set-up: make it fresh again.
    await page.reload();
    const section = page.getByRole("region", { name: "Authenticator app" });
    await section.getByRole("button", { name: "Set up an authenticator app" }).click();
    // The sign-in is stale: the set-up itself asks first.
    const dialog = confirmDialog(page);
    await dialog.getByLabel("Password").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    const setupKey = (await section.locator("dt:text-is('Setup key') + dd code").textContent())!;
    const app = new AuthenticatorApp(setupKey);
    await section.getByLabel("Enter the six-digit code the app shows").fill(await app.code());
    await section.getByRole("button", { name: "Turn on two-step sign-in" }).click();
    await section.getByRole("button", { name: "I have saved them" }).click();

    await ageAuthentication(context);
    await section.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await expect(dialog).toBeVisible();
    const code = dialog.getByLabel("Authenticator or recovery code");
    await code.fill("000000");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog.getByRole("alert")).toContainText("not right");
    await code.fill(await app.code());
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog).toBeHidden();
    await expect(section.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  });

  test("an account with a passkey confirms with it", async ({ page, context }) => {
    await context.credentials.install();
    await registerThroughPage(page, newEmail("passkey"), PASSWORD);
    await page.getByRole("link", { name: "Security" }).click();
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Passkey added" })).toBeVisible();

    await ageAuthentication(context);
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    await passkeys.getByRole("button", { name: /^Rename / }).click();
    await passkeys.getByLabel(/^New name for /).fill("Confirmed key");
    await passkeys.getByRole("button", { name: "Save" }).click();
    const dialog = confirmDialog(page);
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Use a passkey" }).click();
    await expect(dialog).toBeHidden();
    await expect(passkeys.getByRole("cell", { name: "Confirmed key", exact: true })).toBeVisible();
  });
});
