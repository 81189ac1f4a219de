// Administration (issue 26, item 7; docs/decisions/0023-administration.md): the admin
// routes answer 404 to everyone but ADMIN_EMAILS, every action is an audit event, a
// disabled account is refused at every sign-in door and keeps no session, and "sign
// everyone out" takes effect on each session's next request.
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseState, DEMO } from "../support/database";
import { CookieJar, login, refreshWith, withCookies } from "../support/http";
import { authorize, CLIENT_ID, pkce, registerDemoClients } from "../support/oauth";
import { startServer, type TestServer } from "../support/server";
import { SoftPasskey, type CreationOptions, type RequestOptions } from "../support/webauthn";

const ADMIN = { email: "admin@example.com", password: "admin passphrase long enough" };

let server: TestServer;
let admin: CookieJar;
beforeAll(async () => {
  server = await startServer({
    // Mixed case and spaces: normalised like registration normalises emails.
    ADMIN_EMAILS: "  Admin@Example.com , other-admin@example.com",
    OAUTH_PASSWORD_GRANT: "enabled",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000/900",
  });
  const registered = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  expect(registered.status).toBe(201);
  admin = new CookieJar();
  admin.store(registered);
  await registerDemoClients(server.db);
});
afterAll(() => server?.stop());

const post = (jar: CookieJar | null, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...(jar ? { cookie: jar.header() } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const get = (jar: CookieJar | null, path: string) =>
  fetch(`${server.url}${path}`, jar ? withCookies(jar) : { redirect: "manual" });
const del = (jar: CookieJar | null, path: string) =>
  fetch(`${server.url}${path}`, { method: "DELETE", redirect: "manual", headers: jar ? { cookie: jar.header() } : {} });

function token(params: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
}

async function signIn(email = DEMO.email, password = DEMO.password): Promise<CookieJar> {
  const { response, jar } = await login(server.url, { email, password });
  expect(response.status).toBe(200);
  return jar;
}

const uuid = "00000000-0000-4000-8000-000000000000";

describe("the admin surface is not revealed", () => {
  const routes = (userId: string, sessionId: string) =>
    [
      ["GET", `/api/admin/users?email=${encodeURIComponent(DEMO.email)}`],
      ["GET", `/api/admin/users/${userId}`],
      ["POST", `/api/admin/users/${userId}/disable`],
      ["POST", `/api/admin/users/${userId}/enable`],
      ["POST", `/api/admin/users/${userId}/revoke-sessions`],
      ["DELETE", `/api/admin/sessions/${sessionId}`],
      ["POST", "/api/admin/revoke-all-sessions"],
    ] as const;

  it("answers 404 to a signed-in non-admin and to a signed-out caller on every route and the page, and changes nothing", async () => {
    const user = await signIn();
    const adminSession = await server.db.session.findFirstOrThrow({ where: { user: { email: ADMIN.email } } });
    const before = await databaseState(server.db);
    for (const jar of [user, null]) {
      for (const [method, path] of routes(adminSession.userId, adminSession.id)) {
        const response =
          method === "GET"
            ? await get(jar, path)
            : method === "DELETE"
              ? await del(jar, path)
              : await post(jar, path, { confirm: "everyone" });
        expect([path, response.status]).toEqual([path, 404]);
        expect(await response.json()).toEqual({ error: "not_found", message: expect.any(String) });
      }
      const page = await get(jar, "/admin");
      expect(page.status).toBe(404);
    }
    expect(await databaseState(server.db)).toEqual(before);
  });

  it("refuses a cross-site POST with 403 csrf_rejected before anything else", async () => {
    const response = await post(
      admin,
      `/api/admin/revoke-all-sessions`,
      { confirm: "everyone" },
      {
        origin: "https://evil.example",
      },
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe("csrf_rejected");
  });
});

describe("an administrator", () => {
  it("finds a user by email and sees their sessions and audit events", async () => {
    await signIn();
    const found = await get(admin, `/api/admin/users?email=${encodeURIComponent("  DEMO@Example.com ")}`);
    expect(found.status).toBe(200);
    const { user } = (await found.json()) as { user: { id: string; email: string; disabledAt: null } };
    expect(user).toMatchObject({ email: DEMO.email, disabledAt: null });
    const detail = await get(admin, `/api/admin/users/${user.id}`);
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as {
      user: { sessions: { channel: string; bound: boolean }[]; events: { type: string }[] };
    };
    expect(body.user.sessions.length).toBeGreaterThan(0);
    expect(body.user.sessions[0]).toMatchObject({ channel: "browser", bound: false });
    expect(body.user.events.map((e) => e.type)).toContain("login_succeeded");
    expect((await get(admin, "/admin")).status).toBe(200);
  });

  it("gets 4xx for bad input, and nothing changes", async () => {
    const before = await databaseState(server.db);
    expect((await get(admin, "/api/admin/users?email=not-an-email")).status).toBe(400);
    expect((await get(admin, "/api/admin/users")).status).toBe(400);
    expect((await get(admin, "/api/admin/users?email=nobody%40example.com")).status).toBe(404);
    for (const id of [uuid, "not-a-uuid", "%00", "x".repeat(500)]) {
      expect((await get(admin, `/api/admin/users/${id}`)).status).toBe(404);
      expect((await post(admin, `/api/admin/users/${id}/disable`)).status).toBe(404);
      expect((await post(admin, `/api/admin/users/${id}/enable`)).status).toBe(404);
      expect((await post(admin, `/api/admin/users/${id}/revoke-sessions`)).status).toBe(404);
      expect((await del(admin, `/api/admin/sessions/${id}`)).status).toBe(404);
    }
    // Signing everyone out needs its confirmation.
    expect((await post(admin, "/api/admin/revoke-all-sessions")).status).toBe(400);
    expect((await post(admin, "/api/admin/revoke-all-sessions", { confirm: "yes" })).status).toBe(400);
    expect(await databaseState(server.db)).toEqual(before);
  });

  it("ends one session, then all of a user's sessions, each an audit event naming the administrator", async () => {
    const first = await signIn();
    const second = await signIn();
    const sessions = await server.db.session.findMany({
      where: { user: { email: DEMO.email }, revokedAt: null },
      orderBy: { createdAt: "desc" },
    });
    const target = sessions[0]!;
    expect((await del(admin, `/api/admin/sessions/${target.id}`)).status).toBe(204);
    // Ended on its next request: the second sign-in is the newest session.
    expect((await get(second, "/api/me")).status).toBe(401);
    expect((await get(first, "/api/me")).status).toBe(200);
    expect((await del(admin, `/api/admin/sessions/${target.id}`)).status).toBe(404);

    const all = await post(admin, `/api/admin/users/${target.userId}/revoke-sessions`);
    expect(all.status).toBe(200);
    expect(((await all.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
    expect((await get(first, "/api/me")).status).toBe(401);
    expect((await refreshWith(server.url, first.get("refresh_token")!)).status).toBe(401);
    const events = await server.db.authEvent.findMany({
      where: { userId: target.userId, type: { in: ["admin_session_revoked", "admin_sessions_revoked"] } },
    });
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.detail).toContain(ADMIN.email);
    // The administrator's own session is untouched.
    expect((await get(admin, "/api/me")).status).toBe(200);
  });
});

describe("a disabled account", () => {
  it("loses every session and is refused at every door until enabled again", async () => {
    const browser = await signIn();
    const grant = await token({ grant_type: "password", username: DEMO.email, password: DEMO.password });
    expect(grant.status).toBe(200);
    const api = (await grant.json()) as { access_token: string; refresh_token: string };
    const userId = (await server.db.user.findUniqueOrThrow({ where: { email: DEMO.email } })).id;
    // A grant approved before the account is disabled, redeemed after.
    const { verifier, challenge } = pkce();
    const code = (await authorize(server.url, { challenge })).searchParams.get("code")!;
    expect(code).toBeTruthy();

    const disabled = await post(admin, `/api/admin/users/${userId}/disable`);
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ disabled: true });
    expect(await server.db.session.count({ where: { userId, revokedAt: null } })).toBe(0);

    // Resource door: the browser's access token and the API client's.
    expect((await get(browser, "/api/me")).status).toBe(401);
    const bearer = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${api.access_token}` } });
    expect(bearer.status).toBe(401);
    // Refresh doors: the cookie and the token endpoint.
    expect((await refreshWith(server.url, browser.get("refresh_token")!)).status).toBe(401);
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: api.refresh_token });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe("invalid_grant");
    // Sign-in doors: the password (JSON and form) and the legacy password grant.
    const json = await login(server.url, DEMO);
    expect(json.response.status).toBe(403);
    expect(await json.response.json()).toEqual({ error: "account_disabled", message: expect.any(String) });
    expect(json.jar.get("access_token")).toBeUndefined();
    const form = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: DEMO.email, password: DEMO.password }),
    });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toContain("error=account_disabled");
    expect(form.headers.getSetCookie()).toEqual([]);
    const legacy = await token({ grant_type: "password", username: DEMO.email, password: DEMO.password });
    expect(legacy.status).toBe(400);
    expect(((await legacy.json()) as { error: string }).error).toBe("invalid_grant");
    // Grant door: the authorization code issued before.
    const redeemed = await token({
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      code,
      code_verifier: verifier,
      redirect_uri: "http://127.0.0.1:8765/callback",
    });
    expect(redeemed.status).toBe(400);
    expect(((await redeemed.json()) as { error: string }).error).toBe("invalid_grant");
    expect(await server.db.session.count({ where: { userId, revokedAt: null } })).toBe(0);
    // A wrong password still says only that it is wrong.
    expect((await login(server.url, { email: DEMO.email, password: "wrong password" })).response.status).toBe(401);
    // A burst of sign-ins creates no session at all.
    const burst = await Promise.all(Array.from({ length: 8 }, () => login(server.url, DEMO)));
    expect(burst.map((b) => b.response.status)).toEqual(Array(8).fill(403));
    expect(await server.db.session.count({ where: { userId, revokedAt: null } })).toBe(0);

    const events = await server.db.authEvent.findMany({ where: { userId, type: "account_disabled" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toContain(ADMIN.email);

    expect((await post(admin, `/api/admin/users/${userId}/enable`)).status).toBe(200);
    expect((await login(server.url, DEMO)).response.status).toBe(200);
    expect(await server.db.authEvent.count({ where: { userId, type: "account_enabled" } })).toBe(1);
    // The same redemption works for an enabled account (so the refusal above was the disabling).
    const again = pkce();
    const fresh = (await authorize(server.url, { challenge: again.challenge })).searchParams.get("code")!;
    const control = await token({
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      code: fresh,
      code_verifier: again.verifier,
      redirect_uri: "http://127.0.0.1:8765/callback",
    });
    expect(control.status).toBe(200);
  });
});

describe("a disabled account at the sign-in doors that come after the password", () => {
  it("a passkey sign-in and the second step of a two-step sign-in begun before the disabling are refused, with no session", async () => {
    const email = `disabled-doors-${Date.now()}@example.com`;
    const password = "disabled doors passphrase";
    const registered = await post(null, "/api/auth/register", { email, password });
    expect(registered.status).toBe(201);
    const owner = new CookieJar();
    owner.store(registered);
    const userId = (await server.db.user.findUniqueOrThrow({ where: { email } })).id;

    // A passkey, and TOTP (confirmed with the previous step's code, so the current one is unused).
    const key = new SoftPasskey(server.origin);
    const creation = (await (await post(owner, "/api/account/passkeys/options")).json()) as CreationOptions;
    expect((await post(owner, "/api/account/passkeys", { response: key.register(creation) })).status).toBe(201);
    const enrol = await post(owner, "/api/account/totp");
    const { secret } = (await enrol.json()) as { secret: string };
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    expect(
      (await post(owner, "/api/account/totp/confirm", { code: totp.generate({ timestamp: Date.now() - 30_000 }) }))
        .status,
    ).toBe(200);

    // The password step is done before the disabling; the second step comes after it.
    const pending = await login(server.url, { email, password });
    expect(pending.response.status).toBe(202);
    const before = await server.db.session.count({ where: { userId } });

    expect((await post(admin, `/api/admin/users/${userId}/disable`)).status).toBe(200);

    const second = await post(pending.jar, "/api/auth/mfa", { method: "totp", code: totp.generate() });
    expect(second.status).toBe(403);
    expect(((await second.json()) as { error: string }).error).toBe("account_disabled");
    expect(second.headers.getSetCookie().filter((c) => /access_token|refresh_token/.test(c))).toEqual([]);

    const request = (await (await post(null, "/api/auth/passkey/options")).json()) as RequestOptions;
    const byKey = await post(null, "/api/auth/passkey", { response: key.assert(request) });
    expect(byKey.status).toBe(403);
    expect(((await byKey.json()) as { error: string }).error).toBe("account_disabled");
    expect(byKey.headers.getSetCookie().filter((c) => /access_token|refresh_token/.test(c))).toEqual([]);

    expect(await server.db.session.count({ where: { userId } })).toBe(before);
    expect(await server.db.session.count({ where: { userId, revokedAt: null } })).toBe(0);
  });
});

describe("signing everyone out", () => {
  it("ends every other session on its next request; the administrator's stays", async () => {
    const user = await signIn();
    const grant = await token({ grant_type: "password", username: DEMO.email, password: DEMO.password });
    const api = (await grant.json()) as { refresh_token: string };
    const response = await post(admin, "/api/admin/revoke-all-sessions", { confirm: "everyone" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(2);
    expect((await get(user, "/api/me")).status).toBe(401);
    // The page checks the database too (its access token is still valid): off to sign in.
    const page = await get(user, "/dashboard");
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toContain("/login");
    expect((await refreshWith(server.url, user.get("refresh_token")!)).status).toBe(401);
    expect((await token({ grant_type: "refresh_token", refresh_token: api.refresh_token })).status).toBe(400);
    expect((await get(admin, "/api/me")).status).toBe(200);
    expect(await server.db.authEvent.count({ where: { type: "admin_all_sessions_revoked" } })).toBe(1);
    // New sign-ins work at once.
    expect((await login(server.url, DEMO)).response.status).toBe(200);
  });
});

describe("step-up", () => {
  it("an administrator whose sign-in is too old gets 403 reauthentication_required, changes nothing, and confirms in place", async () => {
    const adminSession = await server.db.session.findFirstOrThrow({
      where: { user: { email: ADMIN.email }, revokedAt: null },
      orderBy: { createdAt: "desc" },
    });
    const userId = (await server.db.user.findUniqueOrThrow({ where: { email: DEMO.email } })).id;
    await server.db.session.update({
      where: { id: adminSession.id },
      data: { authenticatedAt: new Date(Date.now() - 3600_000) },
    });
    const before = await databaseState(server.db);
    for (const response of [
      await get(admin, `/api/admin/users/${userId}`),
      await post(admin, `/api/admin/users/${userId}/disable`),
      await post(admin, "/api/admin/revoke-all-sessions", { confirm: "everyone" }),
    ]) {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toBe("reauthentication_required");
    }
    expect(await databaseState(server.db)).toEqual(before);
    // The page asks again instead of showing anyone's data.
    const page = await get(admin, `/admin?email=${encodeURIComponent(DEMO.email)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(userId);

    const reauth = await post(admin, "/api/auth/reauth", { password: ADMIN.password });
    expect(reauth.status).toBe(200);
    admin.store(reauth);
    expect((await get(admin, `/api/admin/users/${userId}`)).status).toBe(200);
  });
});
