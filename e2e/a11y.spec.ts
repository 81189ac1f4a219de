// Every page, in each state worth seeing, in both colour schemes, at desktop width and at
// 360 px: no serious or critical axe-core violation, nothing wider than the viewport, and
// a full-page screenshot of each saved as a test artifact (under test-results/, never
// committed).
//
// The pages are the app's app/**/page.tsx files; the last test fails when one is added
// without a line here. Each state says how to reach it: a path, a signed-in user (the demo
// user, read only, or a fresh account of this test's own, since specs run in parallel),
// and what to do on the page first.
import { readdirSync } from "node:fs";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { authorizeRequest, DEMO, startDeviceFlow, uniqueEmail } from "./helpers";
import { AuthenticatorApp, ageAuthentication } from "./step-up-helpers";

type Who = "nobody" | "demo" | "fresh" | "admin";

type Setup = { page: Page; request: APIRequestContext; email: string; origin: string };

type PageState = {
  /** The page file under app/ this state belongs to, e.g. "device" or "(auth)/login". */
  page: string;
  /** What this state shows, for the test's name and the screenshot's. */
  state: string;
  heading: string | RegExp;
  who?: Who;
  /** The path to open; a function when it depends on data the state creates. */
  path: string | ((setup: Setup) => Promise<string>);
  /** Brings the page into the state after it loaded. */
  act?: (page: Page) => Promise<void>;
  /** Console errors the state causes on purpose (see e2e/fixtures.ts). */
  allowedConsoleErrors?: RegExp[];
};

/** The security page's authenticator-app section, with its set-up started. */
async function startTotpSetup(page: Page): Promise<AuthenticatorApp> {
  const section = page.getByRole("region", { name: "Authenticator app" });
  await section.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(section.getByRole("img", { name: /QR code/ })).toBeVisible();
  return new AuthenticatorApp((await section.locator("dt:text-is('Setup key') + dd code").textContent())!);
}

const REDIRECT_URI = "http://127.0.0.1:8765/callback";
/** The newest mail to `email` with this subject, opened from the development mailbox. */
async function mailedLink({ page, email }: Setup, subject: string): Promise<string> {
  const mail = page
    .getByRole("article")
    .filter({ hasText: email })
    .filter({ has: page.getByRole("heading", { name: subject }) })
    .first();
  const link = mail.getByRole("link", { name: /^Open link/ });
  // The server mails after it has answered: look again until the mail is there.
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return (await link.getAttribute("href"))!;
}

const STATES: PageState[] = [
  { page: "", state: "home", path: "/", heading: "Token Auth Reference" },
  { page: "(auth)/login", state: "empty", path: "/login", heading: "Sign in" },
  { page: "(auth)/login", state: "wrong password", path: "/login?error=invalid_credentials", heading: "Sign in" },
  {
    page: "(auth)/login",
    state: "signed out after token theft",
    path: "/login?reason=refresh_token_reused&next=%2Fdashboard",
    heading: "Sign in",
  },
  { page: "(auth)/login/mfa", state: "code entry", path: "/login/mfa", heading: "Two-step sign-in" },
  { page: "(auth)/login/mfa", state: "wrong code", path: "/login/mfa?error=invalid_code", heading: "Two-step sign-in" },
  { page: "(auth)/register", state: "empty", path: "/register", heading: "Create an account" },
  { page: "(app)/dashboard", state: "demo user", who: "demo", path: "/dashboard", heading: /^Welcome, / },
  {
    page: "(app)/dashboard",
    state: "unverified address, delete confirmation open",
    who: "fresh",
    path: "/dashboard",
    heading: /^Welcome, /,
    act: async (page) => {
      const section = page.getByRole("region", { name: "Delete account" });
      await section.getByLabel("Password to confirm").fill("not submitted");
      await section.getByRole("button", { name: "Delete account" }).click();
      await expect(page.getByRole("dialog")).toBeVisible();
    },
  },
  {
    page: "(app)/dashboard/sessions",
    state: "demo user",
    who: "demo",
    path: "/dashboard/sessions",
    heading: "Where you are signed in",
  },
  {
    page: "(app)/dashboard/security",
    state: "no passkeys",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
  },
  {
    page: "(app)/dashboard/security",
    state: "a passkey added",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
    act: async (page) => {
      // Playwright's virtual authenticator answers the browser's passkey dialog.
      await page.context().credentials.install();
      await page.getByRole("button", { name: "Add a passkey" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Passkey added" })).toBeVisible();
    },
  },
  {
    page: "(app)/dashboard/security",
    state: "authenticator app being set up, QR code shown",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
    act: async (page) => {
      await startTotpSetup(page);
    },
  },
  {
    page: "(app)/dashboard/security",
    state: "authenticator app on, recovery codes shown",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
    act: async (page) => {
      const app = await startTotpSetup(page);
      await page.getByLabel("Enter the six-digit code the app shows").fill(await app.code());
      await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
      await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
    },
  },
  {
    page: "(app)/dashboard/security",
    state: "step-up dialog open",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
    act: async (page) => {
      await ageAuthentication(page.context());
      await page.getByLabel("New email address").fill("a11y-step-up@example.com");
      await page.getByRole("button", { name: "Send confirmation link" }).click();
      await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeVisible();
    },
    // The refusal that opens the dialog: a 403, which Chromium logs.
    allowedConsoleErrors: [/status of 403 \(Forbidden\)$/],
  },
  { page: "(auth)/forgot-password", state: "empty", path: "/forgot-password", heading: "Forgot password" },
  {
    page: "(auth)/forgot-password",
    state: "sent",
    path: "/forgot-password",
    heading: "Forgot password",
    act: async (page) => {
      await page.getByLabel("Email").fill("nobody@example.com");
      await page.getByRole("button", { name: "Send reset link" }).click();
      await expect(page.getByRole("status").filter({ hasText: "If an account exists" })).toBeVisible();
    },
  },
  { page: "(auth)/reset-password", state: "without a link", path: "/reset-password", heading: "Choose a new password" },
  {
    page: "(auth)/reset-password",
    state: "from the mailed link",
    who: "fresh",
    heading: "Choose a new password",
    path: async (setup) => {
      const response = await setup.request.post("/api/auth/password/forgot", {
        data: { email: setup.email },
        headers: { origin: setup.origin },
      });
      expect(response.status()).toBe(202);
      return mailedLink(setup, "Reset your password");
    },
  },
  {
    page: "(auth)/verify-email",
    state: "without a link",
    path: "/verify-email",
    heading: "Verify your email address",
  },
  {
    page: "(auth)/verify-email",
    state: "from the mailed link, confirmed",
    who: "fresh",
    heading: "Verify your email address",
    path: (setup) => mailedLink(setup, "Confirm your email address"),
    act: async (page) => {
      await page.getByRole("button", { name: "Confirm email address" }).click();
      await expect(page.getByRole("status").filter({ hasText: "verified" })).toBeVisible();
    },
  },
  {
    page: "(app)/dashboard/security",
    state: "change of address asked for",
    who: "fresh",
    path: "/dashboard/security",
    heading: "Security",
    act: async (page) => {
      const section = page.getByRole("region", { name: "Email address" });
      await section.getByLabel("New email address").fill(`moved-${Date.now()}@example.com`);
      await section.getByRole("button", { name: "Send confirmation link" }).click();
      await expect(section.getByRole("status")).toContainText("A link is on its way");
    },
  },
  {
    page: "(auth)/confirm-email-change",
    state: "without a link",
    path: "/confirm-email-change",
    heading: "Confirm your new email address",
  },
  {
    page: "(auth)/confirm-email-change",
    state: "from the mailed link, confirmed, other sessions offered",
    who: "fresh",
    heading: "Confirm your new email address",
    path: async (setup) => {
      const newEmail = `new-${setup.email}`;
      const response = await setup.request.post("/api/account/email", {
        data: { newEmail },
        headers: { origin: setup.origin },
      });
      expect(response.status()).toBe(202);
      return mailedLink({ ...setup, email: newEmail }, "Confirm your new email address");
    },
    act: async (page) => {
      await page.getByRole("button", { name: "Use this address" }).click();
      await expect(page.getByRole("region", { name: "Sign out your other sessions?" })).toBeVisible();
    },
  },
  // app/not-found.tsx, for every unknown path (not a page.tsx, so not counted below).
  {
    page: "not-found",
    state: "unknown path",
    path: "/no-such-page",
    heading: "Page not found",
    allowedConsoleErrors: [/^Failed to load resource: the server responded with a status of 404 \(Not Found\)$/],
  },
  { page: "(auth)/account-deleted", state: "done", path: "/account-deleted", heading: "Account deleted" },
  // Registration mailed this user: the mailbox has at least one mail.
  { page: "dev/mailbox", state: "with mail", who: "fresh", path: "/dev/mailbox", heading: "Development mailbox" },
  { page: "device", state: "code entry", who: "demo", path: "/device", heading: "Connect a device" },
  // A code from the link, shown for the user to check before it is looked up.
  {
    page: "device",
    state: "code to check",
    who: "demo",
    path: "/device?user_code=BBBB-BBBB",
    heading: "Connect a device",
  },
  // What the code form's POST answers for a wrong code (without spending one here).
  {
    page: "device",
    state: "wrong code",
    who: "demo",
    path: "/device?result=invalid&user_code=BBBB-BBBB",
    heading: "Connect a device",
  },
  {
    page: "device",
    state: "decision",
    who: "demo",
    path: async ({ request, origin }) => {
      // Continue's counted lookup answers with the approval page and its ticket.
      const lookup = await request.post("/api/oauth/device", {
        form: { user_code: (await startDeviceFlow(request)).user_code },
        headers: { origin },
        maxRedirects: 0,
      });
      expect(lookup.status()).toBe(303);
      return lookup.headers().location!;
    },
    heading: "Sign in Demo CLI?",
  },
  { page: "device", state: "approved", who: "demo", path: "/device?result=approved", heading: "Connect a device" },
  { page: "device", state: "denied", who: "demo", path: "/device?result=denied", heading: "Connect a device" },
  { page: "device", state: "expired", who: "demo", path: "/device?result=expired", heading: "Connect a device" },
  {
    page: "oauth/authorize",
    state: "consent",
    who: "demo",
    path: authorizeRequest(REDIRECT_URI).path,
    heading: "Allow Demo CLI to use your account?",
  },
  {
    page: "oauth/authorize",
    state: "unregistered redirect",
    who: "demo",
    path: authorizeRequest("https://elsewhere.example/callback").path,
    heading: "This request cannot be completed",
  },
  { page: "admin", state: "empty", who: "admin", path: "/admin", heading: "Administration" },
  {
    page: "admin",
    state: "a user found",
    who: "admin",
    path: `/admin?email=${encodeURIComponent("demo@example.com")}`,
    heading: "Administration",
  },
  {
    page: "admin",
    state: "no such user",
    who: "admin",
    path: "/admin?email=nobody%40example.com",
    heading: "Administration",
  },
  {
    page: "admin",
    state: "sign everyone out, asked once more",
    who: "admin",
    path: "/admin",
    heading: "Administration",
    act: async (page) => {
      await page.getByRole("button", { name: "Sign everyone out" }).click();
      await expect(page.getByRole("button", { name: "Yes, sign everyone out" })).toBeVisible();
    },
  },
];

const A11Y_ADMIN = { email: "a11y-admin@example.com", password: "a11y admin password 123" };

// Each state is independent (its own account, or the demo user read only): they may run
// on as many workers as there are.
test.describe.configure({ mode: "parallel" });

const THEMES = ["light", "dark"] as const;
const WIDTHS = [
  { name: "1280px", width: 1280, height: 900 },
  { name: "360px", width: 360, height: 780 },
] as const;

const slug = (text: string) =>
  text
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase() || "home";

async function backgroundColour(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

for (const target of STATES) {
  const name = `${target.page || "home"}: ${target.state}`;
  // Only the states that cause console errors on purpose get a describe of their own.
  if (target.allowedConsoleErrors) {
    test.describe(() => {
      test.use({ allowedConsoleErrors: target.allowedConsoleErrors });
      defineA11yTest(target, name);
    });
  } else {
    defineA11yTest(target, name);
  }
}

function defineA11yTest(target: PageState, name: string): void {
  test(`${name}: no serious or critical axe violations in both themes and widths`, async ({
    page,
    baseURL,
  }, testInfo) => {
    // Four axe runs and four full-page screenshots: the dashboard alone takes half a minute.
    test.setTimeout(150_000);
    const email = uniqueEmail("a11y");
    // Signed in through the API (the context shares its cookies): the sign-in page has
    // states and tests of its own, and loading it and the dashboard first for every state
    // only cost time.
    const post = (route: string, data: { email: string; password: string }) =>
      page.request.post(route, { data, headers: { origin: baseURL! } });
    if (target.who === "demo") expect((await post("/api/auth/login", DEMO)).status()).toBe(200);
    if (target.who === "fresh") {
      expect((await post("/api/auth/register", { email, password: "a11y password 123" })).status()).toBe(201);
    }
    if (target.who === "admin") {
      // One administrator (ADMIN_EMAILS in playwright.config.ts) for the parallel states:
      // whoever registers it first, the others sign in.
      if ((await post("/api/auth/register", A11Y_ADMIN)).status() !== 201) {
        expect((await post("/api/auth/login", A11Y_ADMIN)).status()).toBe(200);
      }
    }
    const path =
      typeof target.path === "string"
        ? target.path
        : await target.path({ page, request: page.request, email, origin: baseURL! });
    await page.goto(path);
    const heading = page.getByRole("heading", { level: 1, name: target.heading });
    await expect(heading).toBeVisible();
    await target.act?.(page);

    const backgrounds = new Set<string>();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      backgrounds.add(await backgroundColour(page));
      for (const size of WIDTHS) {
        await page.setViewportSize({ width: size.width, height: size.height });
        await expect(heading).toBeVisible();
        // Legacy mode runs axe in the page itself. The default mode runs it per frame and
        // then opens a blank page to merge the frames' results, which took twice as long
        // per run here (measured 2026-12-04); these pages have no frames to merge.
        const results = await new AxeBuilder({ page }).setLegacyMode(true).analyze();
        const blocking = results.violations
          .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
          .map((violation) => ({
            rule: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => node.target.join(" ")),
          }));
        expect(blocking, `${theme} ${size.name}`).toEqual([]);

        // Nothing may be wider than the viewport (a sideways-scrolling page at 360 px).
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${theme} ${size.name}: horizontal overflow in px`).toBeLessThanOrEqual(0);

        const file = `${slug(name)}-${theme}-${size.name}.png`;
        await page.screenshot({ path: testInfo.outputPath(file), fullPage: true });
        await testInfo.attach(file, { path: testInfo.outputPath(file), contentType: "image/png" });
      }
    }
    // The two themes really differ.
    expect(backgrounds.size).toBe(2);
  });
}

// Every page.tsx under app/, as its directory ("" for the home page).
function pageFiles(dir = "app", prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return pageFiles(path.join(dir, entry.name), prefix ? `${prefix}/${entry.name}` : entry.name);
    return entry.name === "page.tsx" ? [prefix] : [];
  });
}

test("every app/**/page.tsx has at least one state above", () => {
  const covered = new Set(STATES.map((state) => state.page));
  expect(pageFiles().filter((file) => !covered.has(file))).toEqual([]);
});
