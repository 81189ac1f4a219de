// The token API as a new integrator meets it: openid-client 6 (its strict checks on; only
// plain http allowed, as these servers have no TLS) and simple-oauth2 5, against the
// production server, with the user's part (sign-in, Approve) done in a real Chromium.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "@playwright/test";
import * as client from "openid-client";
import { AuthorizationCode } from "simple-oauth2";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "../../scripts/browser.mjs";
import { DEMO } from "../support/database";
import { forgeFor } from "../support/forge";
import { CLIENT_ID, registerDemoClients } from "../support/oauth";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let browser: Browser;
let page: Page;
let config: client.Configuration;
// Every DPoP header openid-client sent, by URL path: for the replay attack.
const sentProofs: { path: string; proof: string }[] = [];

beforeAll(async () => {
  server = await startServer();
  await registerDemoClients(server.db);
  const executablePath = findChromium();
  if (executablePath === null) throw new Error("No Chromium found: run `node scripts/setup-browser.mjs`.");
  browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  config = await client.discovery(new URL(server.url), CLIENT_ID, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
    algorithm: "oauth2",
  });
  config[client.customFetch] = (url, options) => {
    const proof = new Headers(options.headers).get("dpop");
    if (proof) sentProofs.push({ path: new URL(url).pathname, proof });
    return fetch(url, options as RequestInit);
  };
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A loopback listener for the redirect (RFC 8252 §7.3), on a port the OS picks. */
async function loopbackRedirect(): Promise<{ redirectUri: string; received: Promise<URL>; close(): void }> {
  let resolve!: (url: URL) => void;
  const received = new Promise<URL>((r) => (resolve = r));
  const listener = http.createServer((req, res) => {
    const { port } = listener.address() as AddressInfo;
    res.writeHead(200, { "content-type": "text/plain" }).end("You can close this window.");
    resolve(new URL(req.url!, `http://127.0.0.1:${port}`));
  });
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const { port } = listener.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/callback`, received, close: () => listener.close() };
}

async function signInIfAsked(): Promise<void> {
  await page.waitForURL((url) => url.pathname === "/login" || url.pathname === "/oauth/authorize");
  if (new URL(page.url()).pathname !== "/login") return;
  await page.getByLabel("Email").fill(DEMO.email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The whole code + PKCE flow: the browser signs in and clicks Approve. */
async function codeFlow(options: { DPoP?: client.DPoPHandle } = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const loopback = await loopbackRedirect();
  try {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: loopback.redirectUri,
      scope: "account",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    await page.goto(url.href);
    await signInIfAsked();
    await page.getByRole("heading", { name: "Allow Demo CLI to use your account?" }).waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    const callback = await loopback.received;
    const tokens = await client.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state },
      { redirect_uri: loopback.redirectUri },
      options,
    );
    return { tokens, callback };
  } finally {
    loopback.close();
  }
}

const meUrl = () => new URL(`${server.url}/api/me`);

/** GET /api/me as openid-client sends it: with a DPoP proof when given a handle. */
const fetchMe = (accessToken: string, DPoP?: client.DPoPHandle) =>
  client.fetchProtectedResource(config, accessToken, meUrl(), "GET", undefined, undefined, DPoP && { DPoP });

describe("openid-client 6", () => {
  it("discovers the server (RFC 8414) with issuer = APP_URL", () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(server.origin);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.device_authorization_endpoint).toBe(`${server.origin}/api/oauth/device_authorization`);
  });

  it("code + PKCE through Chromium (sign in, Approve) with a loopback redirect; iss checked (RFC 9207)", async () => {
    const { tokens, callback } = await codeFlow();
    expect(callback.searchParams.get("iss")).toBe(server.origin);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.scope).toBe("account");
    expect(decodeJwt(tokens.access_token).client_id).toBe(CLIENT_ID);
    const response = await fetchMe(tokens.access_token);
    expect(response.status).toBe(200);
    // refresh
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await fetchMe(refreshed.access_token)).status).toBe(200);
    // revocation ends the session: the refresh token no longer works
    await client.tokenRevocation(config, refreshed.refresh_token!);
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  }, 180_000);

  it("DPoP-bound tokens: the API call with a proof works, the same token as Bearer is refused, a replayed proof is refused", async () => {
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));
    const { tokens } = await codeFlow({ DPoP });
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    const response = await fetchMe(tokens.access_token, DPoP);
    expect(response.status).toBe(200);
    const asBearer = await fetch(meUrl(), { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    const proof = sentProofs.filter((p) => p.path === "/api/me").at(-1)!.proof;
    const replay = await fetch(meUrl(), { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof } });
    expect(replay.status).toBe(401);
    // A DPoP-bound refresh with the same key
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type.toLowerCase()).toBe("dpop");
    const again = await fetchMe(refreshed.access_token, DPoP);
    expect(again.status).toBe(200);
  }, 180_000);

  it("device flow (RFC 8628) approved in Chromium, DPoP with an Ed25519 key: openid-client names the alg Ed25519, not EdDSA (RFC 9864 fully-specified name), and the server accepts both", async () => {
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair("EdDSA"));
    const device = await client.initiateDeviceAuthorization(config, { scope: "account" });
    await page.goto(device.verification_uri);
    await signInIfAsked().catch(() => undefined);
    await page.getByLabel("Code shown on your device").fill(device.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sign in Demo CLI?" }).waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("status").filter({ hasText: "the device is signed in" }).waitFor();
    const tokens = await client.pollDeviceAuthorizationGrant(config, device, undefined, { DPoP });
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    const response = await fetchMe(tokens.access_token, DPoP);
    expect(response.status).toBe(200);
  }, 180_000);

  it("verification_uri_complete in Chromium shows the client and approves", async () => {
    const device = await client.initiateDeviceAuthorization(config, {});
    await page.goto(device.verification_uri_complete!);
    // The link fills the code in for the user to check (RFC 8628 §3.3.1); a GET changes
    // nothing, so the lookup (a counted attempt) happens on Continue (issue 22, finding 12).
    expect(await page.getByLabel("Code shown on your device").inputValue()).toBe(device.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sign in Demo CLI?" }).waitFor();
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("status").filter({ hasText: "Denied" }).waitFor();
    await expect(client.pollDeviceAuthorizationGrant(config, device)).rejects.toMatchObject({ error: "access_denied" });
  }, 180_000);
});

describe("simple-oauth2 5", () => {
  const simple = () =>
    new AuthorizationCode({
      client: { id: CLIENT_ID, secret: "" },
      auth: { tokenHost: server.url, tokenPath: "/api/oauth/token", revokePath: "/api/oauth/revoke" },
      // A public client: credentials in the body means client_id plus an empty client_secret.
      options: { authorizationMethod: "body" },
    });

  it("revokeAll() succeeds and ends the session; its empty client_secret is no secret (RFC 6749 §2.3.1), so it is accepted", async () => {
    const { tokens } = await codeFlow();
    const token = simple().createToken({ ...tokens });
    await token.revokeAll();
    const response = await fetch(meUrl(), { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  }, 180_000);

  it("revokeAll() with an expired access token still revokes the refresh token's session", async () => {
    const { tokens } = await codeFlow();
    const claims = decodeJwt(tokens.access_token);
    const forge = await forgeFor(server.origin, { userId: claims.sub!, sessionId: claims.sid as string });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await forge.signed({ iat: past, exp: past + 600, client_id: CLIENT_ID });
    await simple()
      .createToken({ ...tokens, access_token: expired })
      .revokeAll();
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  }, 180_000);
});
