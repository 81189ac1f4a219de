// The console guard itself: each of these must fail, or the guard guards nothing.
import { test } from "./fixtures";

test.describe("the console guard fails a test", () => {
  test.fail(true, "expected: the fixture turns these into failures");

  test("on console.error", async ({ page }) => {
    await page.goto("/");
    await page.evaluate(() => console.error("something broke"));
  });

  test("on an uncaught exception", async ({ page }) => {
    await page.goto("/");
    await page.evaluate(() => setTimeout(() => Promise.reject(new Error("unhandled")).then()));
    await page.evaluate(() =>
      setTimeout(() => {
        throw new Error("uncaught");
      }),
    );
    await page.waitForTimeout(200);
  });

  test("on a 404 nobody expected", async ({ page }) => {
    await page.goto("/");
    await page.evaluate(() => fetch("/no-such-file.txt"));
  });

  test("in a context the test opened itself", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/");
    await page.evaluate(() => console.error("from another context"));
    await context.close();
  });
});
