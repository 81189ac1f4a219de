// Open redirects, by class: whatever `next` goes in — the table of known tricks and
// seeded random paths of "/", "\", ".", %2e, %2f, %5c and control characters — every
// redirect's Location and every `next` the login page embeds lands on APP_URL's origin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, login, withCookies } from "../support/http";
import { landsOnOrigin, randomRedirectPaths, REDIRECT_SEED, REDIRECT_TRICKS } from "../support/redirect-paths";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let jar: CookieJar;
beforeAll(async () => {
  // Many sign-ins from one address in this file; the limits are tested elsewhere.
  server = await startServer({ RATE_LIMIT_LOGIN_PER_IP: "100000/60", RATE_LIMIT_LOGIN_PER_ACCOUNT: "100000/60" });
  jar = (await login(server.url, DEMO)).jar;
});
afterAll(() => server?.stop());

const CASES = [...REDIRECT_TRICKS, ...randomRedirectPaths(40)];

function expectOnOrigin(target: string | null, input: string) {
  expect(target, `no target for ${JSON.stringify(input)}`).not.toBeNull();
  expect(landsOnOrigin(target!, server.origin), `${JSON.stringify(input)} → ${JSON.stringify(target)}`).toBe(true);
}

const decodeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

describe(`redirect targets (${CASES.length} cases, seed ${REDIRECT_SEED})`, () => {
  it("GET /api/auth/refresh?next=… with a valid refresh cookie redirects only on-site", async () => {
    for (const next of CASES) {
      const response = await fetch(`${server.url}/api/auth/refresh?${new URLSearchParams({ next })}`, withCookies(jar));
      expect(response.status, JSON.stringify(next)).toBe(303);
      jar.store(response);
      expectOnOrigin(response.headers.get("location"), next);
    }
  });

  it("GET /api/auth/refresh?next=… without a cookie sends to a login page whose next is on-site", async () => {
    for (const next of CASES) {
      const response = await fetch(`${server.url}/api/auth/refresh?${new URLSearchParams({ next })}`, {
        redirect: "manual",
      });
      const location = response.headers.get("location")!;
      expectOnOrigin(location, next);
      expectOnOrigin(new URL(location).searchParams.get("next"), next);
    }
  });

  it("the form POST /api/auth/login redirects only on-site, after success and after failure", async () => {
    for (const next of CASES) {
      for (const password of [DEMO.password, "a wrong password"]) {
        const response = await fetch(`${server.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ email: DEMO.email, password, next }),
          redirect: "manual",
        });
        expect(response.status).toBe(303);
        const location = response.headers.get("location")!;
        expectOnOrigin(location, next);
        const embedded = new URL(location).searchParams.get("next");
        if (embedded !== null) expectOnOrigin(embedded, next);
      }
    }
  });

  it("GET /login?next=… embeds only an on-site next in the page", async () => {
    for (const next of CASES) {
      const response = await fetch(`${server.url}/login?${new URLSearchParams({ next })}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      const embedded = /<input[^>]*name="next"[^>]*value="([^"]*)"/.exec(html)?.[1];
      expectOnOrigin(embedded === undefined ? null : decodeHtml(embedded), next);
    }
  });
});
