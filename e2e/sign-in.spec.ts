import { expect, test } from "./fixtures";
import { authCookies, DEMO, formAlert, signIn, signInWithKeyboard, submitSignIn } from "./helpers";

test("signs in through the page with the keyboard and sees the dashboard", async ({ page, context }, testInfo) => {
  await page.goto("/login");
  await page.screenshot({ path: testInfo.outputPath("login-page.png"), fullPage: true });
  await signInWithKeyboard(page);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
  await expect(page.getByText(/s left/)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("dashboard.png"), fullPage: true });

  const { access, refresh } = await authCookies(context);
  expect(access).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/auth" });
  // httpOnly: page scripts cannot read either token.
  expect(await page.evaluate(() => document.cookie)).not.toMatch(/access_token|refresh_token/);
});

test("a wrong password shows a clear error and keeps the typed email", async ({ page }) => {
  await page.goto("/login");
  await submitSignIn(page, { email: DEMO.email, password: "not-the-password" });
  await expect(formAlert(page)).toHaveText("The email or password is incorrect.");
  await expect(page.getByLabel("Email")).toHaveValue(DEMO.email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(page).toHaveURL(/\/login/);
});

test("a signed-out visit to a protected page returns there after sign-in", async ({ page }) => {
  await page.goto("/dashboard?from=bookmark");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard%3Ffrom%3Dbookmark/);
  await signInWithKeyboard(page);
  await expect(page).toHaveURL(/\/dashboard\?from=bookmark$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
});

test("signing in works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await submitSignIn(page, DEMO);
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
  await context.close();
});

test("after signing out, the back button does not show dashboard data", async ({ page, context }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("status")).toHaveText("You have been signed out.");
  expect((await authCookies(context)).access).toBeUndefined();
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText(DEMO.email)).toHaveCount(0);
});
