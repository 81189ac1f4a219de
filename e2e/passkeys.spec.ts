// Passkeys in Chromium with Playwright's virtual WebAuthn authenticator
// (browserContext.credentials): the page's navigator.credentials calls are answered by
// a software authenticator holding real P-256 keys, and the server verifies its
// attestations and assertions as it would a phone's or a security key's.
//
// That authenticator answers a conditional (autofill) request at once with the first
// passkey it holds for the site, as if the user had picked it from the suggestions, and
// refuses it at once when it holds none. To test the button, the passkey is taken out of
// the authenticator while the sign-in page loads and put back once the page's autofill
// request has been refused, before the click.
import type { BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { registerThroughPage } from "./helpers";

const PASSWORD = "a passkey e2e password";
const RP_ID = "127.0.0.1";

async function newAccountWithPasskey(page: Page, context: BrowserContext): Promise<string> {
  await context.credentials.install();
  const email = `passkey-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await registerThroughPage(page, email, PASSWORD);
  await page.getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("heading", { name: "Security", level: 1 })).toBeVisible();
  await expect(page.getByText("No passkeys yet.")).toBeVisible();
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added" })).toBeVisible();
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  await expect(passkeys.getByRole("row")).toHaveCount(2); // header + the new passkey
  await expect(passkeys.getByRole("cell", { name: "Never" })).toBeVisible();
  return email;
}

type AutofillWindow = { autofillsSettled?: number };

/**
 * Counts, in each page of the context, the autofill (conditional) passkey requests that
 * have settled. A passkey put back before the sign-in page's own request has been refused
 * answers that request instead of the button's: under load the page hydrated after the
 * passkey was back and signed itself in during the click. Added after
 * `credentials.install()`, so it wraps the virtual authenticator's `get`.
 */
async function countSettledAutofills(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const credentials = navigator.credentials;
    const get = credentials.get.bind(credentials);
    const counted = window as AutofillWindow;
    credentials.get = async (options) => {
      try {
        return await get(options);
      } finally {
        if (options?.mediation === "conditional") counted.autofillsSettled = (counted.autofillsSettled ?? 0) + 1;
      }
    };
  });
}

test.describe("passkeys", () => {
  test("add a passkey on the security page, sign out, sign in with the button", async ({ page, context }) => {
    const email = await newAccountWithPasskey(page, context);
    await countSettledAutofills(context);
    const [credential] = await context.credentials.get({ rpId: RP_ID });
    expect(credential).toBeDefined();
    await context.credentials.delete(credential!.id);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    // What lets the browser offer passkeys in the field's suggestions (the next test).
    await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
    await page.waitForFunction(() => ((window as AutofillWindow).autofillsSettled ?? 0) > 0);
    await context.credentials.create(RP_ID, credential!);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();

    await page.getByRole("link", { name: "Security" }).click();
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    await expect(passkeys.getByRole("row")).toHaveCount(2);
    // Last used: now, no longer "Never".
    await expect(passkeys.getByRole("cell", { name: "Never" })).toHaveCount(0);
  });

  test("the email field's autofill offers the passkey and signs in", async ({ page, context }) => {
    const email = await newAccountWithPasskey(page, context);
    await page.getByRole("button", { name: "Sign out" }).click();
    // The sign-in page asks for the passkey as soon as it has loaded; the authenticator
    // answers as a user picking it from the email field's suggestions would.
    await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  });

  test("rename and remove a passkey; a removed passkey signs in no more", async ({ page, context }) => {
    await newAccountWithPasskey(page, context);
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    await passkeys.getByRole("button", { name: /^Rename / }).click();
    await passkeys.getByLabel(/^New name for /).fill("Work laptop");
    await passkeys.getByRole("button", { name: "Save" }).click();
    await expect(passkeys.getByRole("cell", { name: "Work laptop", exact: true })).toBeVisible();

    await passkeys.getByRole("button", { name: "Remove Work laptop" }).click();
    await expect(page.getByRole("status").filter({ hasText: "removed" })).toBeVisible();
    await expect(passkeys.getByText("No passkeys yet.")).toBeVisible();

    // The authenticator still holds it; the server does not accept it any more.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "not registered here" })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
  });
});
