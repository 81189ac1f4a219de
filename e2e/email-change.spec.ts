// Change of email address through the pages, and the new-device notice (issue 23, items 5
// and 6). The e2e server stores mail in the development mailbox (DEV_MAILBOX=enabled).
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { registerThroughPage, signIn, uniqueEmail } from "./helpers";

/** The newest mail to `to` with this subject in the mailbox (looked for until it arrives: mail goes after the answer). */
async function openMail(page: Page, to: string, subject: string) {
  const mail = page
    .getByRole("article")
    .filter({ hasText: to })
    .filter({ has: page.getByRole("heading", { name: subject }) })
    .first();
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(mail).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  return mail;
}

test("change the email address through the Security page and the mailed link, then end the other sessions", async ({
  page,
  browser,
}) => {
  const oldEmail = uniqueEmail("before");
  const newEmail = uniqueEmail("after");
  const password = "changing my address";
  await registerThroughPage(page, oldEmail, password);
  // A second browser signed in to the same account: the offer at the end signs it out.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "/dashboard", { email: oldEmail, password });

  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Security" })).toBeVisible();
  const section = page.getByRole("region", { name: "Email address" });
  await expect(section).toContainText(oldEmail);
  await section.getByLabel("New email address").fill(newEmail);
  await section.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(section.getByRole("status")).toContainText(`A link is on its way to ${newEmail}`);

  const mail = await openMail(page, newEmail, "Confirm your new email address");
  await mail.getByRole("link", { name: /^Open link/ }).click();
  await expect(page.getByRole("heading", { name: "Confirm your new email address" })).toBeVisible();
  // The token left the address bar before the page loaded.
  expect(new URL(page.url()).search).toBe("");
  await expect(page.getByText(newEmail)).toBeVisible();
  await page.getByRole("button", { name: "Use this address" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your email address is now" })).toContainText(newEmail);

  const offer = page.getByRole("region", { name: "Sign out your other sessions?" });
  await expect(offer).toBeVisible();
  await offer.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(offer.getByRole("status")).toHaveText("1 other session signed out.");
  await otherPage.reload();
  await expect(otherPage.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // The old address was told, without a link.
  const notice = await openMail(page, oldEmail, "Your email address was changed");
  await expect(notice.getByRole("link", { name: /^Open link/ })).toHaveCount(0);

  await page.goto("/dashboard/security");
  await expect(page.getByRole("region", { name: "Email address" })).toContainText(`${newEmail} (verified)`);
  await other.close();
});

test("a sign-in from a new browser is mailed to the account; the browser that registered is not", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("new-device");
  const password = "new device passphrase";
  await registerThroughPage(page, email, password);

  const elsewhere = await browser.newContext();
  const elsewherePage = await elsewhere.newPage();
  await signIn(elsewherePage, "/dashboard", { email, password });
  const notice = await openMail(page, email, "New sign-in to your account");
  await expect(notice).toContainText("Signed in with the password");
  await expect(notice.getByRole("link", { name: /^Open link/ })).toHaveCount(0);
  await elsewhere.close();
});
