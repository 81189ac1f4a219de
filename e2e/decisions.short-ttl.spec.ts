// The OAuth consent page and /device left open past the access-token lifetime (issue 22,
// finding 11). The server's access tokens live 10 s: each test opens the decision page,
// waits until the browser has dropped the access cookie (its Max-Age is the token's
// lifetime), and clicks Approve. The user must end on the approved result, never on a
// raw `{"error":"unauthorized"}`; with JavaScript the page refreshes before it posts,
// without JavaScript the server sends the post through the refresh route and back to
// the same decision.
import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { authCookies, authorizeRequest, startDeviceFlow, uniqueEmail } from "./helpers";

const CALLBACK_PORT = "8765";
const REDIRECT_URI = `http://127.0.0.1:${CALLBACK_PORT}/callback`;
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** A fresh account, signed in in this context (own user: specs run in parallel). */
async function registerUser(page: Page, baseURL: string): Promise<void> {
  const response = await page.request.post("/api/auth/register", {
    data: { email: uniqueEmail("decision"), password: "decide after expiry" },
    headers: { origin: baseURL },
  });
  expect(response.status()).toBe(201);
}

/** Resolves once the browser no longer holds an access token: it has expired. */
async function accessTokenExpired(context: BrowserContext): Promise<void> {
  await expect
    .poll(async () => (await authCookies(context)).access, { timeout: 30_000, intervals: [250] })
    .toBeUndefined();
  expect((await authCookies(context)).refresh).toBeDefined();
}

async function expectDeviceSignedIn(request: APIRequestContext, deviceCode: string): Promise<void> {
  const response = await request.post("/api/oauth/token", {
    form: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: "demo-cli" },
  });
  expect(response.status(), await response.text()).toBe(200);
  expect(await response.json()).toMatchObject({ token_type: "Bearer", access_token: expect.any(String) });
}

/** Nothing listens on the client's loopback port: the browser's arrival there is answered here. */
async function catchCallback(page: Page): Promise<void> {
  await page.route(
    (url) => url.hostname === "127.0.0.1" && url.port === CALLBACK_PORT,
    (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Callback</title>" }),
  );
}

async function expectCodeRedeems(page: Page, request: APIRequestContext, verifier: string, state: string) {
  await page.waitForURL((url) => url.port === CALLBACK_PORT);
  const callback = new URL(page.url());
  expect(callback.searchParams.get("state")).toBe(state);
  const code = callback.searchParams.get("code");
  expect(code, callback.href).toBeTruthy();
  const response = await request.post("/api/oauth/token", {
    form: {
      grant_type: "authorization_code",
      client_id: "demo-cli",
      code: code!,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    },
  });
  expect(response.status(), await response.text()).toBe(200);
}

const deviceHeading = { name: "Sign in Demo CLI?" };
// The first page a fresh server renders can take a while on a busy machine.
const FIRST_PAGE = { timeout: 20_000 };
const consentHeading = { name: "Allow Demo CLI to use your account?" };

/**
 * The approval page for a code, as a user reaches it: the link fills the code in, and
 * Continue posts it (a counted lookup, issue 22 finding 12). Returns its path and query.
 */
async function openDecision(page: Page, userCode: string): Promise<string> {
  await page.goto(`/device?${new URLSearchParams({ user_code: userCode })}`);
  const decision = page.getByRole("heading", deviceHeading);
  // Tokens live 10 s on this server: a Continue posted after that goes through the refresh
  // route and back to the same code to check (the code form has no script), and the user
  // continues again.
  await expect(async () => {
    if (!(await decision.isVisible())) await page.getByRole("button", { name: "Continue" }).click();
    await expect(decision).toBeVisible({ timeout: 5_000 });
  }).toPass(FIRST_PAGE);
  const url = new URL(page.url());
  return url.pathname + url.search;
}

test.describe("with JavaScript: the page refreshes before it posts", () => {
  test("/device: Approve after the access token expired signs the device in", async ({
    page,
    context,
    request,
    baseURL,
  }) => {
    await registerUser(page, baseURL!);
    const device = await startDeviceFlow(request);
    await openDecision(page, device.user_code);
    await accessTokenExpired(context);

    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status").filter({ hasText: "the device is signed in" })).toBeVisible();
    await expectDeviceSignedIn(request, device.device_code);
  });

  test("consent: Approve after the access token expired returns a code to the client", async ({
    page,
    context,
    request,
    baseURL,
  }) => {
    await registerUser(page, baseURL!);
    await catchCallback(page);
    const authorize = authorizeRequest(REDIRECT_URI);
    await page.goto(authorize.path);
    await expect(page.getByRole("heading", consentHeading)).toBeVisible(FIRST_PAGE);
    await accessTokenExpired(context);

    await page.getByRole("button", { name: "Approve" }).click();
    await expectCodeRedeems(page, request, authorize.verifier, authorize.state);
  });
});

test.describe("without JavaScript: the post goes through the refresh route back to the decision", () => {
  test.use({ javaScriptEnabled: false });

  test("/device: the same code is shown again, and Approve then signs the device in", async ({
    page,
    context,
    request,
    baseURL,
  }) => {
    await registerUser(page, baseURL!);
    const device = await startDeviceFlow(request);
    const devicePage = await openDecision(page, device.user_code);
    await accessTokenExpired(context);

    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("heading", deviceHeading)).toBeVisible();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(devicePage);
    await expect(page.getByText(device.user_code, { exact: true })).toBeVisible();
    expect((await authCookies(context)).access).toBeDefined();

    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status").filter({ hasText: "the device is signed in" })).toBeVisible();
    await expectDeviceSignedIn(request, device.device_code);
  });

  test("consent: the same request is shown again, and Approve then returns a code", async ({
    page,
    context,
    request,
    baseURL,
  }) => {
    await registerUser(page, baseURL!);
    await catchCallback(page);
    const authorize = authorizeRequest(REDIRECT_URI);
    await page.goto(authorize.path);
    await expect(page.getByRole("heading", consentHeading)).toBeVisible(FIRST_PAGE);
    await accessTokenExpired(context);

    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("heading", consentHeading)).toBeVisible();
    expect(new URL(page.url()).searchParams.get("state")).toBe(authorize.state);

    await page.getByRole("button", { name: "Approve" }).click();
    await expectCodeRedeems(page, request, authorize.verifier, authorize.state);
  });
});
