import type { ConsoleMessage } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

test("every page renders and works under the CSP with no violation", async ({ page }) => {
  const violations: string[] = [];
  const record = (message: ConsoleMessage) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text());
  };
  page.on("console", record);
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  for (const path of ["/", "/login", "/register"]) {
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(response?.headers()["content-security-policy"]).not.toContain("unsafe-inline");
  }
  // Hydrated and interactive under the policy: the client-side sign-in runs.
  await signIn(page);
  await page.getByRole("button", { name: "Check session with the API" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signed in as" })).toBeVisible();
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
  expect(violations).toEqual([]);
});
