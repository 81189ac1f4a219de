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

  // Rendered per request, through the middleware: a nonce.
  for (const path of ["/login", "/forgot-password"]) {
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(response?.headers()["content-security-policy"]).not.toContain("unsafe-inline");
  }
  // Prerendered, without the middleware (lib/http/static-pages.mjs): the hashes of their
  // inline scripts. Hydrated means those scripts ran (React's hydration needs the
  // inline RSC payload), and the policy blocked nothing (checked at the end).
  for (const path of ["/", "/register", "/account-deleted"]) {
    const response = await page.goto(path);
    const csp = response?.headers()["content-security-policy"];
    expect(csp).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/]+=*')+;/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("'nonce-");
    await expect
      .poll(() =>
        page.evaluate(() => Object.keys(document.querySelector("main")!).some((k) => k.startsWith("__react"))),
      )
      .toBe(true);
  }
  // A client-side navigation from a static page to a dynamic one works under both policies.
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  // Hydrated and interactive under the policy: the client-side sign-in runs.
  await signIn(page);
  await page.getByRole("button", { name: "Check session with the API" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signed in as" })).toBeVisible();
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
  expect(violations).toEqual([]);
});

test.describe("an unknown path", () => {
  // Chromium logs the page's own 404 as a console error: the answer this test wants.
  test.use({
    allowedConsoleErrors: [/^Failed to load resource: the server responded with a status of 404 \(Not Found\)$/],
  });

  test("gets app/not-found.tsx, rendered per request with the nonce, and hydrated", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const missing = await page.goto("/no-such-page");
    expect(missing?.status()).toBe(404);
    expect(missing?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect
      .poll(() =>
        page.evaluate(() => Object.keys(document.querySelector("main")!).some((k) => k.startsWith("__react"))),
      )
      .toBe(true);
    expect(violations).toEqual([]);
  });
});
