// An administrator acts (issue 26, item 7; docs/decisions/0023-administration.md): finds a
// user, ends their session, disables the account; the user is signed out and cannot sign
// in. Two browser contexts: the administrator's and the user's.
import { expect, test } from "./fixtures";
import { formAlert, registerThroughPage, signIn } from "./helpers";

// ADMIN_EMAILS of the e2e server (playwright.config.ts).
const ADMIN = { email: "e2e-admin@example.com", password: "e2e admin password 123" };

// The login of a disabled account is a 403, which Chromium logs as a failed load.

test.describe("administration", () => {
  test.use({ allowedConsoleErrors: [/status of 403 \(Forbidden\)/] });

  test("an administrator finds a user, ends their session and disables the account", async ({
    page: userPage,
    browser,
    baseURL,
  }) => {
    test.setTimeout(120_000);
    // The administrator in a context of their own; the user in the test's page, whose
    // console may show the 404 and 403 this test expects.
    const adminContext = await browser.newContext({ baseURL });
    const page = await adminContext.newPage();
    const registered = await page.request.post("/api/auth/register", { data: ADMIN, headers: { origin: baseURL! } });
    expect([201, 409]).toContain(registered.status());

    const user = { email: `admin-target-${Date.now()}@example.com`, password: "target password 123" };
    await registerThroughPage(userPage, user.email, user.password);
    // Not an administrator: the page does not exist for them (asked without rendering
    // Next's built-in 404 page, whose inline styles this app's CSP blocks).
    expect((await userPage.request.get("/admin")).status()).toBe(404);

    const signedIn = await page.request.post("/api/auth/login", { data: ADMIN, headers: { origin: baseURL! } });
    expect(signedIn.status()).toBe(200);
    await page.goto("/admin");
    await page.getByLabel("Email address").fill(user.email);
    await page.getByRole("button", { name: "Find user" }).click();
    const account = page.getByRole("region", { name: user.email });
    await expect(account).toBeVisible();
    await expect(account.getByRole("row")).toHaveCount(2);

    await account.getByRole("button", { name: /^End session / }).click();
    await expect(account.getByText("No active sessions.")).toBeVisible();
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL(/\/login/);

    await signIn(userPage, "/dashboard", user);
    await page.reload();
    await expect(account.getByRole("row")).toHaveCount(2);
    await account.getByRole("button", { name: "Disable account" }).click();
    await expect(account.getByText("Disabled.")).toBeVisible();
    await expect(account.getByText("No active sessions.")).toBeVisible();
    await expect(account.getByText("account_disabled", { exact: true })).toBeVisible();

    // Signed out on the next request, and the sign-in says why it refuses.
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL(/\/login/);
    await userPage.getByLabel("Email").fill(user.email);
    await userPage.getByLabel("Password").fill(user.password);
    await userPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(formAlert(userPage)).toContainText("This account is disabled");

    await account.getByRole("button", { name: "Enable account" }).click();
    await expect(account.getByText("Enabled.")).toBeVisible();
    await signIn(userPage, "/dashboard", user);
    await adminContext.close();
  });
});
