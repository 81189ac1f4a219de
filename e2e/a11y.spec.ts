// Every page, in both colour schemes, at desktop width and at 360 px: no serious or
// critical axe-core violation, and a full-page screenshot of each saved as a test
// artifact (under test-results/, never committed).
//
// One line per page. Pages added later go here too, with the heading that says they
// have rendered and whether they need a signed-in user.
import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

type PageCase = { path: string; heading: string | RegExp; signedIn?: boolean };

const PAGES: PageCase[] = [
  { path: "/", heading: "Token Auth Reference" },
  { path: "/login", heading: "Sign in" },
  { path: "/login?reason=refresh_token_reused&next=%2Fdashboard", heading: "Sign in" },
  { path: "/register", heading: "Create an account" },
  { path: "/dashboard", heading: /^Welcome, /, signedIn: true },
  { path: "/dashboard/sessions", heading: "Where you are signed in", signedIn: true },
  { path: "/forgot-password", heading: "Forgot password" },
  { path: "/reset-password", heading: "Choose a new password" },
  { path: "/verify-email", heading: "Verify your email address" },
  { path: "/account-deleted", heading: "Account deleted" },
  { path: "/dev/mailbox", heading: "Development mailbox" },
  { path: "/device", heading: "Connect a device", signedIn: true },
  {
    path: `/oauth/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: "demo-cli",
      redirect_uri: "http://127.0.0.1:8765/callback",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM",
      code_challenge_method: "S256",
      scope: "account",
      state: "a11y",
    })}`,
    heading: "Allow Demo CLI to use your account?",
    signedIn: true,
  },
];

const THEMES = ["light", "dark"] as const;
const WIDTHS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "360px", width: 360, height: 780 },
] as const;

// Short enough for a file name even when the path carries a whole OAuth request.
const slug = (path: string) =>
  path
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60) || "home";

async function backgroundColour(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

for (const target of PAGES) {
  test(`${target.path}: no serious or critical axe violations in both themes and widths`, async ({
    page,
  }, testInfo) => {
    if (target.signedIn) await signIn(page);
    await page.goto(target.path);
    const heading = page.getByRole("heading", { level: 1, name: target.heading });
    await expect(heading).toBeVisible();

    const backgrounds = new Set<string>();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      backgrounds.add(await backgroundColour(page));
      for (const size of WIDTHS) {
        await page.setViewportSize({ width: size.width, height: size.height });
        await expect(heading).toBeVisible();
        const results = await new AxeBuilder({ page }).analyze();
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

        const name = `${slug(target.path)}-${theme}-${size.name}.png`;
        await page.screenshot({ path: testInfo.outputPath(name), fullPage: true });
        await testInfo.attach(name, { path: testInfo.outputPath(name), contentType: "image/png" });
      }
    }
    // The two themes really differ.
    expect(backgrounds.size).toBe(2);
  });
}
