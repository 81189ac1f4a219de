// Review findings 2 and 3 of issue 22, in this machine's Chromium with device-bound
// sessions switched on (project chromium-dbsc, HTTPS): a thief whose browser would
// happily bind a session to its own key must never get the chance.
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { APIRequestContext, Page, Response } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO, pkcePair } from "./helpers";

const ACCESS = "__Host-access_token";
const REFRESH = "__Secure-refresh_token";

type SessionRow = { id: string; revokedAt: number | null; revokedReason: string | null; dbscThumbprint: string | null };

/** Opens the DBSC server's database while it runs. */
function withDb<T>(read: (db: Database.Database) => T, options: Database.Options = { readonly: true }): T {
  const file = path.resolve(".tmp", `e2e-${process.env.E2E_DBSC_PORT}`, "app.db");
  const db = new Database(file, { ...options, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const tokenHash = (refreshToken: string) => createHash("sha256").update(refreshToken).digest("hex");

/** The session a refresh token belongs to. */
function sessionOfRefreshToken(refreshToken: string): SessionRow {
  return withDb(
    (db) =>
      db
        .prepare(
          `SELECT s.id, s.revokedAt, s.revokedReason, s.dbscThumbprint FROM "Session" s
           JOIN "RefreshToken" t ON t.sessionId = s.id WHERE t.tokenHash = ?`,
        )
        .get(tokenHash(refreshToken)) as SessionRow,
  );
}

/**
 * Moves a spent token's use a minute into the past, past the grace window: the owner in
 * the story below comes back later, not within seconds (within them, the same client's
 * retry is a grace hand-out by design: docs/decisions/0013-grace-same-client.md). Written in Prisma's
 * DateTime text format (lib/db/sqlite-connection.ts).
 */
function ageSpentToken(refreshToken: string): void {
  const minuteAgo = new Date(Date.now() - 60_000).toISOString().replace("Z", "+00:00");
  withDb(
    (db) =>
      db
        .prepare(`UPDATE "RefreshToken" SET "usedAt" = ? WHERE "tokenHash" = ? AND "usedAt" IS NOT NULL`)
        .run(minuteAgo, tokenHash(refreshToken)),
    {},
  );
}

const CLIENT_ID = "demo-cli";
const REDIRECT = "http://127.0.0.1:8765/callback";

/** A DPoP key (RFC 9449) as a client holds it: its proofs for the token endpoint. */
async function dpopKey(): Promise<{ proof(url: string): Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  return {
    proof: (url) =>
      new SignJWT({
        htm: "POST",
        htu: url,
        jti: randomBytes(16).toString("base64url"),
        iat: Math.floor(Date.now() / 1000),
      })
        .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
        .sign(privateKey),
  };
}

/** demo-cli's code grant (PKCE), its consent given by a signed-in HTTP client. */
async function authorizationCode(http: APIRequestContext, origin: string): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const signedIn = await http.post("/api/auth/login", { data: DEMO, headers: { origin } });
  expect(signedIn.status()).toBe(200);
  const consent = await http.post("/api/oauth/authorize", {
    headers: { origin },
    form: {
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "xyz",
      decision: "approve",
    },
    maxRedirects: 0,
  });
  // The answer redirects (a Location, or a meta refresh page) to the client with the code.
  const target = consent.headers().location ?? /url=([^"]+)"/.exec(await consent.text())?.[1]?.replaceAll("&amp;", "&");
  const code = new URL(target!).searchParams.get("code");
  expect(code).toBeTruthy();
  return { code: code!, verifier };
}

/** The refresh route's answer to the page's next navigation. */
const refreshAnswer = (page: Page): Promise<Response> =>
  page.waitForResponse((response) => new URL(response.url()).pathname === "/api/auth/refresh");

test("a copied cookie jar cannot bind the session first: the owner's spent token still revokes it (finding 3)", async ({
  page,
  context,
  baseURL,
  playwright,
}) => {
  // The owner signs in from a client that does not bind sessions; its cookies get copied.
  const owner = await playwright.request.newContext({ baseURL, ignoreHTTPSErrors: true });
  const signedIn = await owner.post("/api/auth/login", { data: DEMO, headers: { origin: baseURL! } });
  expect(signedIn.status()).toBe(200);
  const copied = (await owner.storageState()).cookies.find((c) => c.name === REFRESH)!;
  const session = sessionOfRefreshToken(copied.value);

  // The thief's browser (DBSC on) gets the refresh cookie only, so its first visit
  // refreshes. Before the fix that refresh carried a registration offer, the browser
  // bound the session to the thief's key, and the owner's replay below answered
  // `session_bound` instead of `refresh_token_reused`: reuse detection was off.
  await context.addCookies([{ ...copied, expires: copied.expires }]);
  const answer = refreshAnswer(page);
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: `Welcome, ${DEMO.email}` })).toBeVisible();
  expect((await answer).headers()["secure-session-registration"]).toBeUndefined();

  // Later, the owner's client refreshes with the token the thief already spent: theft.
  ageSpentToken(copied.value);
  const replay = await owner.post("/api/auth/refresh", { headers: { origin: baseURL! } });
  expect(replay.status()).toBe(401);
  expect((await replay.json()).error).toBe("refresh_token_reused");
  const after = sessionOfRefreshToken(copied.value);
  expect(after).toMatchObject({ id: session.id, revokedReason: "refresh_token_reused", dbscThumbprint: null });

  // And the thief is out at its next page: the session is revoked in the database.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);
  await owner.dispose();
});

test("a stolen DPoP-bound refresh token planted as the refresh cookie neither rotates nor gets bound (finding 2)", async ({
  page,
  context,
  baseURL,
  playwright,
}) => {
  // The key holder: demo-cli through the code grant, its tokens bound to a DPoP key.
  const tokenUrl = `${baseURL}/api/oauth/token`;
  const key = await dpopKey();
  const http = await playwright.request.newContext({ baseURL, ignoreHTTPSErrors: true });
  const { code, verifier } = await authorizationCode(http, baseURL!);
  const grant = await http.post(tokenUrl, {
    form: {
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    headers: { dpop: await key.proof(tokenUrl) },
  });
  expect(grant.status()).toBe(200);
  const { refresh_token: stolen } = (await grant.json()) as { refresh_token: string };

  // The thief plants it as a browser's refresh cookie and opens the dashboard. Before
  // the fix the navigation refresh rotated it with no proof, offered a binding, and the
  // browser bound the session to the thief's key: unbound access tokens for 30 days.
  const url = new URL(baseURL!);
  await context.addCookies([
    {
      name: REFRESH,
      value: stolen,
      domain: url.hostname,
      path: "/api/auth",
      secure: true,
      httpOnly: true,
      sameSite: "Strict",
    },
  ]);
  const answer = refreshAnswer(page);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);
  expect((await answer).headers()["secure-session-registration"]).toBeUndefined();
  expect((await context.cookies()).find((c) => c.name === ACCESS)).toBeUndefined();
  expect(sessionOfRefreshToken(stolen)).toMatchObject({ revokedAt: null, dbscThumbprint: null });

  // Nothing was spent: the key holder refreshes with its proof as before.
  const own = await http.post(tokenUrl, {
    form: { grant_type: "refresh_token", client_id: CLIENT_ID, refresh_token: stolen },
    headers: { dpop: await key.proof(tokenUrl) },
  });
  expect(own.status()).toBe(200);
  await http.dispose();
});
