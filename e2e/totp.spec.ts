// Two-step sign-in with an authenticator app, through the pages (issue 23): set it up on
// the security page (the test plays the app, computing codes with `otpauth` from the
// setup key the page shows), save the recovery codes, then sign in with a code and with
// a recovery code; a recovery code works once.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { registerThroughPage, submitSignIn } from "./helpers";
import { AuthenticatorApp } from "./step-up-helpers";

const PASSWORD = "a totp e2e password";

type Enrolled = { email: string; app: AuthenticatorApp; recoveryCodes: string[] };

async function enrolThroughPage(page: Page): Promise<Enrolled> {
  const email = `totp-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await registerThroughPage(page, email, PASSWORD);
  await page.getByRole("link", { name: "Security" }).click();
  const section = page.getByRole("region", { name: "Authenticator app" });
  await expect(section.getByText("Off", { exact: true })).toBeVisible();

  await section.getByRole("button", { name: "Set up an authenticator app" }).click();
  const qr = section.getByRole("img", { name: /QR code/ });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  const setupKey = (await section.locator("dt:text-is('Setup key') + dd code").textContent())!;
  expect(setupKey.replace(/\s/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  const app = new AuthenticatorApp(setupKey);

  await section.getByLabel("Enter the six-digit code the app shows").fill(await app.code());
  await section.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(section.getByText("Save these now: they are shown only once.")).toBeVisible();
  const list = section.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const recoveryCodes = await list.getByRole("listitem").allTextContents();
  for (const code of recoveryCodes) expect(code).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
  // ASVS 7.4.3: a factor changed, so the page offers to end the other sessions.
  await expect(page.getByRole("heading", { name: "Sign out your other sessions?" })).toBeVisible();

  await section.getByRole("button", { name: "I have saved them" }).click();
  await expect(list).toHaveCount(0);
  await expect(section.getByText("On", { exact: true })).toBeVisible();
  await expect(section.locator("dt:text-is('Recovery codes left') + dd")).toHaveText("10");
  return { email, app, recoveryCodes };
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

async function secondStep(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await submitSignIn(page, { email, password: PASSWORD });
  await expect(page.getByRole("heading", { name: "Two-step sign-in" })).toBeVisible();
  await expect(page).toHaveURL(/\/login\/mfa/);
}

test.describe("two-step sign-in with an authenticator app", () => {
  test("set it up on the security page, then sign in with a code from the app", async ({ page }) => {
    const { email, app } = await enrolThroughPage(page);
    await signOut(page);

    await secondStep(page, email);
    await page.getByLabel("Code", { exact: true }).fill(await app.code());
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  });

  test("a recovery code signs in once; used again it is refused", async ({ page }) => {
    const { email, recoveryCodes } = await enrolThroughPage(page);
    const code = recoveryCodes[0]!;
    await signOut(page);

    await secondStep(page, email);
    await page.getByRole("radio", { name: "A recovery code" }).check();
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
    await page.getByRole("link", { name: "Security" }).click();
    await expect(page.locator("dt:text-is('Recovery codes left') + dd")).toHaveText("9");
    await signOut(page);

    await secondStep(page, email);
    await page.getByRole("radio", { name: "A recovery code" }).check();
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "used already" })).toBeVisible();
    await expect(page).toHaveURL(/\/login\/mfa\?.*error=invalid_code/);
    // Another one still works.
    await page.getByRole("radio", { name: "A recovery code" }).check();
    await page.getByLabel("Code", { exact: true }).fill(recoveryCodes[1]!);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  });

  test("regenerate the recovery codes, then remove the app", async ({ page }) => {
    const { recoveryCodes } = await enrolThroughPage(page);
    const section = page.getByRole("region", { name: "Authenticator app" });
    await section.getByRole("button", { name: "Regenerate recovery codes" }).click();
    const list = section.getByRole("list", { name: "Recovery codes" });
    await expect(list.getByRole("listitem")).toHaveCount(10);
    await expect(section.getByText("Your old recovery codes no longer work.")).toBeVisible();
    const fresh = await list.getByRole("listitem").allTextContents();
    expect(fresh.filter((code) => recoveryCodes.includes(code))).toEqual([]);
    await section.getByRole("button", { name: "I have saved them" }).click();

    await section.getByRole("button", { name: "Remove" }).click();
    await expect(section.getByRole("status").filter({ hasText: "Two-step sign-in is off" })).toBeVisible();
    await expect(section.getByRole("button", { name: "Set up an authenticator app" })).toBeVisible();
  });

  test("a password reset does not sign in past the second factor: the sign-in page says what to do next", async ({
    page,
  }) => {
    const { email, app } = await enrolThroughPage(page);
    await signOut(page);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await expect(page.getByRole("heading", { name: "Forgot password" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByRole("status")).toContainText("If an account exists for that address");
    // The mail is sent after the answer: look again until it is there.
    const mail = page
      .getByRole("article")
      .filter({ hasText: email })
      .filter({ has: page.getByRole("heading", { name: "Reset your password" }) })
      .first();
    await expect(async () => {
      await page.goto("/dev/mailbox");
      await expect(mail).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await mail.getByRole("link", { name: /^Open link/ }).click();
    await page.getByLabel("New password").fill("a new totp e2e password");
    await page.getByRole("button", { name: "Set new password" }).click();

    await expect(page.getByText("Your password is changed.")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await submitSignIn(page, { email, password: "a new totp e2e password" });
    await expect(page.getByRole("heading", { name: "Two-step sign-in" })).toBeVisible();
    await page.getByLabel("Code", { exact: true }).fill(await app.code());
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  });
});
