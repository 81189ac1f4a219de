// The consent and device forms posted from a page left open past the access-token
// lifetime (issue 22, finding 11). A browser's form navigation cannot follow a 401, so
// the gate answers it with a 303 through the refresh route back to the same decision
// page; API clients (fetch, Bearer, DPoP) keep their 401 JSON, and nothing is decided
// without a valid access token.
import { request as httpRequest } from "node:http";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { forgeFor } from "../support/forge";
import { login, withCookies, type CookieJar } from "../support/http";
import { CLIENT_ID, form, pkce, redirectTarget, registerDemoClients } from "../support/oauth";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await registerDemoClients(server.db);
});
afterAll(() => server?.stop());

// What Chromium sends with a same-origin form navigation.
const NAVIGATION = {
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "same-origin",
  "sec-fetch-dest": "document",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
};

/** A signed-in jar whose access token has gone, as the browser drops it at Max-Age. */
async function expiredJar(): Promise<{ jar: CookieJar; accessToken: string }> {
  const { jar } = await login(server.url, DEMO);
  const accessToken = jar.get("access_token")!;
  jar.cookies.delete("access_token");
  return { jar, accessToken };
}

async function startDevice(): Promise<{ device_code: string; user_code: string }> {
  const response = await form(`${server.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID });
  expect(response.status).toBe(200);
  return (await response.json()) as { device_code: string; user_code: string };
}

const consentFields = () => ({
  client_id: CLIENT_ID,
  redirect_uri: "http://127.0.0.1:8765/callback",
  response_type: "code",
  code_challenge: pkce().challenge,
  code_challenge_method: "S256",
  scope: "account",
  state: "keep-me",
});

/**
 * A form post with exactly these headers. Not fetch(): Node's fetch adds its own
 * `Sec-Fetch-Mode: cors`, which no browser's form navigation sends.
 */
function post(
  path: string,
  jar: CookieJar,
  fields: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams(fields).toString();
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    "content-length": String(Buffer.byteLength(body)),
    origin: server.url,
    cookie: jar.header(),
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { method: "POST", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of [value ?? []].flat()) answer.append(name, item);
        }
        const text = Buffer.concat(chunks);
        const status = response.statusCode!;
        resolve(new Response(status === 204 || status === 304 ? null : text, { status, headers: answer }));
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** The decision page a 303 sends the browser back to, through the refresh route. */
function nextAfterRefresh(response: Response): string {
  expect(response.status).toBe(303);
  // Next.js makes a middleware's same-origin Location relative; browsers resolve it.
  const location = new URL(response.headers.get("location")!, server.origin);
  expect(location.origin + location.pathname).toBe(`${server.origin}/api/auth/refresh`);
  return location.searchParams.get("next")!;
}

const pending = (userCode: string) =>
  server.db.deviceAuthorization.findFirstOrThrow({ where: { userCode: userCode.replace("-", "") } });

describe("a decision form posted without a valid access token", () => {
  it("/device: 303 through the refresh route to the same code; after the refresh, Approve signs the device in", async () => {
    const { jar } = await expiredJar();
    const device = await startDevice();
    const fields = { user_code: device.user_code, decision: "approve" };

    const next = nextAfterRefresh(await post("/api/oauth/device", jar, fields, NAVIGATION));
    expect(next).toBe(`/device?${new URLSearchParams({ user_code: device.user_code })}`);
    expect((await pending(device.user_code)).status).toBe("pending");

    // The refresh route rotates and sends the browser to the decision page again.
    const refresh = await fetch(`${server.url}/api/auth/refresh?${new URLSearchParams({ next })}`, withCookies(jar));
    jar.store(refresh);
    expect(refresh.status).toBe(303);
    expect(refresh.headers.get("location")).toBe(`${server.origin}${next}`);
    const page = await fetch(`${server.url}${next}`, withCookies(jar));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(device.user_code);

    const approved = await post("/api/oauth/device", jar, fields, NAVIGATION);
    expect(approved.status).toBe(303);
    expect(new URL(approved.headers.get("location")!, server.origin).href).toBe(
      `${server.origin}/device?result=approved`,
    );
  });

  it("consent: 303 through the refresh route to the same request (decision left out); then Approve issues a code", async () => {
    const { jar } = await expiredJar();
    const fields = consentFields();
    const next = nextAfterRefresh(
      await post("/api/oauth/authorize", jar, { ...fields, decision: "approve" }, NAVIGATION),
    );
    const back = new URL(next, server.origin);
    expect(back.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(back.searchParams)).toEqual(fields);

    const refresh = await fetch(`${server.url}/api/auth/refresh?${new URLSearchParams({ next })}`, withCookies(jar));
    jar.store(refresh);
    expect(refresh.headers.get("location")).toBe(`${server.origin}${next}`);
    const approved = await post("/api/oauth/authorize", jar, { ...fields, decision: "approve" }, NAVIGATION);
    const redirect = await redirectTarget(approved);
    expect(redirect.searchParams.get("code")).toBeTruthy();
    expect(redirect.searchParams.get("state")).toBe("keep-me");
  });

  it("an expired or forged access token is treated like a missing one", async () => {
    const { jar, accessToken } = await expiredJar();
    const { sub, sid } = decodeJwt(accessToken) as { sub: string; sid: string };
    const forge = await forgeFor(server.origin, { userId: sub, sessionId: sid });
    const now = Math.floor(Date.now() / 1000);
    const device = await startDevice();
    const fields = { user_code: device.user_code, decision: "approve" };
    for (const token of [
      await forge.signed({ iat: now - 700, exp: now - 60 }),
      await forge.signed({}, {}, new TextEncoder().encode("not-the-server-secret-0123456789abcdef")),
    ]) {
      jar.cookies.set("access_token", token);
      expect(nextAfterRefresh(await post("/api/oauth/device", jar, fields, NAVIGATION))).toBe(
        `/device?${new URLSearchParams({ user_code: device.user_code })}`,
      );
    }
    expect((await pending(device.user_code)).status).toBe("pending");
  });

  it("a browser without fetch metadata is recognised by Accept: text/html", async () => {
    const { jar } = await expiredJar();
    const device = await startDevice();
    const response = await post(
      "/api/oauth/device",
      jar,
      { user_code: device.user_code, decision: "deny" },
      { accept: NAVIGATION.accept },
    );
    expect(nextAfterRefresh(response)).toMatch(/^\/device\?user_code=/);
  });

  it.each([
    ["an API client (no fetch metadata, Accept */*)", { accept: "*/*" }],
    ["a fetch from the page (Sec-Fetch-Mode: cors)", { "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin" }],
    ["a Bearer client, even one that says navigate", { ...NAVIGATION, authorization: "Bearer not-a-token" }],
  ])("%s keeps the API's 401 JSON", async (_name, headers) => {
    const { jar } = await expiredJar();
    for (const [path, fields] of [
      ["/api/oauth/device", { user_code: "BCDF-GHJK", decision: "approve" }],
      ["/api/oauth/authorize", { ...consentFields(), decision: "approve" }],
    ] as const) {
      const response = await post(path, jar, fields, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("other protected APIs answer a navigation with 401 as before (only the decision forms come back)", async () => {
    const { jar } = await expiredJar();
    const response = await post("/api/sessions/revoke-others", jar, {}, NAVIGATION);
    expect(response.status).toBe(401);
  });

  it("a cross-site navigation post is refused before anything else (403 csrf_rejected)", async () => {
    const { jar } = await expiredJar();
    const response = await post(
      "/api/oauth/device",
      jar,
      { user_code: "BCDF-GHJK", decision: "approve" },
      { ...NAVIGATION, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: "csrf_rejected" });
  });
});
