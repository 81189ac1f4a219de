// Every spec imports `test` and `expect` from here: a test fails when any page it opens
// logs a console error or throws an uncaught exception (hydration warnings included),
// whether the page came from the `page` fixture or from a context the test made itself.
import { test as base, expect, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";

// A 401 is the mechanism this app demonstrates (the fetch wrapper refreshes and
// retries), and Chromium logs every 4xx response as a console error. Only that one.
const EXPECTED_NETWORK_401 = /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/;

type Fixtures = {
  /** Console errors a test expects, besides the 401s of the refresh flow. */
  allowedConsoleErrors: RegExp[];
  consoleGuard: void;
};

function watchPage(page: Page, allowed: RegExp[], problems: string[]): void {
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if ([EXPECTED_NETWORK_401, ...allowed].some((pattern) => pattern.test(text))) return;
    problems.push(`console.error on ${page.url()}: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror on ${page.url()}: ${error.message}`));
}

function watchContext(context: BrowserContext, allowed: RegExp[], problems: string[]): void {
  for (const page of context.pages()) watchPage(page, allowed, problems);
  context.on("page", (page) => watchPage(page, allowed, problems));
}

/**
 * What each open page showed when a test failed, written to the log: a CI run keeps its
 * log but not its test-results directory (traces, screenshots), and a failure under load
 * is seldom seen twice.
 */
async function describePages(contexts: Set<BrowserContext>, testInfo: TestInfo): Promise<void> {
  const lines: string[] = [];
  for (const page of [...contexts].flatMap((context) => context.pages())) {
    const shown = await page
      .evaluate(() => {
        const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
        return {
          status: navigation?.responseStatus,
          msToFirstByte: navigation && Math.round(navigation.responseStart),
          msToLoaded: navigation && Math.round(navigation.domContentLoadedEventEnd),
          msSinceStart: Math.round(performance.now()),
          readyState: document.readyState,
          text: document.body?.innerText.replace(/\s+/g, " ").slice(0, 300),
        };
      })
      .catch((error: unknown) => ({ unreadable: String(error).slice(0, 200) }));
    lines.push(`  ${page.url()} ${JSON.stringify(shown)}`);
  }
  if (lines.length) process.stderr.write(`Pages open when "${testInfo.title}" failed:\n${lines.join("\n")}\n`);
}

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],
  consoleGuard: [
    async ({ browser, context, allowedConsoleErrors }, runTest, testInfo) => {
      const problems: string[] = [];
      const contexts = new Set([context]);
      watchContext(context, allowedConsoleErrors, problems);
      // Contexts a test opens itself (a second browser, an attacker) are watched too.
      const newContext = browser.newContext.bind(browser);
      const patched: Browser["newContext"] = async (...args) => {
        const created = await newContext(...args);
        watchContext(created, allowedConsoleErrors, problems);
        contexts.add(created);
        return created;
      };
      browser.newContext = patched;
      try {
        await runTest();
      } finally {
        browser.newContext = newContext;
        if (testInfo.status !== testInfo.expectedStatus) await describePages(contexts, testInfo);
      }
      expect(problems, "console errors or uncaught exceptions in the browser").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
