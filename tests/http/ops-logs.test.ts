// Structured logs (issue 26, item 2) on the real server: one JSON line per auth request
// and per security event, with the request id, the session and user where known, and the
// OpenID Shared Signals event name; and not one secret this test used or received —
// passwords, tokens, cookie values, the reset link's token, TOTP secret and codes —
// anywhere in what the server printed.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, refreshWith, withCookies } from "../support/http";
import { startServer, TEST_AUTH_SECRET, type TestServer } from "../support/server";
import { awayFromStepBoundary, codeAt } from "../support/totp";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type/";
const RISC = "https://schemas.openid.net/secevent/risc/event-type/";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ DEV_MAILBOX: "enabled", OAUTH_PASSWORD_GRANT: "enabled" });
});
afterAll(() => server?.stop());

type Line = Record<string, unknown> & { msg: string; level: string };

function lines(): Line[] {
  return server
    .logs()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Line);
}

// Every secret the test sends or receives, kept to grep the log for.
const secrets = new Set<string>([TEST_AUTH_SECRET]);

function keepCookies(response: Response): void {
  // Long enough to be a credential (a token, a handle); short flags would match by chance.
  for (const { value } of parseSetCookies(response)) if (value.length >= 16) secrets.add(value);
}

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
  });

const form = (path: string, params: Record<string, string>) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });

async function signIn(credentials: { email: string; password: string }, headers: Record<string, string> = {}) {
  secrets.add(credentials.password);
  const { response, jar } = await login(server.url, credentials, new CookieJar(), headers);
  keepCookies(response);
  return { response, jar };
}

const sessionOf = (jar: CookieJar) => decodeJwt(jar.get("access_token")!).sid as string;

describe("the server's log", () => {
  let demoUserId: string;

  it("has a request line per auth request and a security event per audit event, with ids and SSF names", async () => {
    demoUserId = (await server.db.user.findUniqueOrThrow({ where: { email: DEMO.email } })).id;

    // Sign in, with a request id of the caller's own: echoed, and on the lines.
    const { response: signedIn, jar } = await signIn(DEMO, { "x-request-id": "test-login-0001" });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get("x-request-id")).toBe("test-login-0001");
    const sessionId = sessionOf(jar);

    // A wrong password; an id that is not sane (spaces, too long) is replaced.
    const { response: refused } = await signIn(
      { email: DEMO.email, password: "wrong-password-in-logs" },
      { "x-request-id": `forged line ${"x".repeat(200)}` },
    );
    expect(refused.status).toBe(401);
    const generatedId = refused.headers.get("x-request-id");
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

    // Refresh, then the spent token again once past the grace window: theft.
    const firstRefresh = jar.get("refresh_token")!;
    const rotated = await fetch(`${server.url}/api/auth/refresh`, withCookies(jar, { method: "POST" }));
    expect(rotated.status).toBe(200);
    keepCookies(rotated);
    jar.store(rotated);
    await server.db.refreshToken.updateMany({ where: { usedAt: { not: null } }, data: { usedAt: new Date(0) } });
    const reused = await refreshWith(server.url, firstRefresh);
    expect(reused.status).toBe(401);
    const reuseId = reused.headers.get("x-request-id");

    // Sign in again and out.
    const { jar: second } = await signIn(DEMO);
    const secondSession = sessionOf(second);
    expect((await fetch(`${server.url}/api/me`, withCookies(second))).status).toBe(200);
    const loggedOut = await fetch(`${server.url}/api/auth/logout`, withCookies(second, { method: "POST" }));
    expect(loggedOut.status).toBeLessThan(300);

    // The token API: the password grant, a refresh_token grant, a revocation.
    const grant = await form("/api/oauth/token", {
      grant_type: "password",
      username: DEMO.email,
      password: DEMO.password,
    });
    expect(grant.status).toBe(200);
    const granted = (await grant.json()) as { access_token: string; refresh_token: string };
    secrets.add(granted.access_token).add(granted.refresh_token);
    const refreshed = await form("/api/oauth/token", {
      grant_type: "refresh_token",
      refresh_token: granted.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
    secrets.add(next.access_token).add(next.refresh_token);
    expect((await form("/api/oauth/revoke", { token: next.refresh_token })).status).toBe(200);

    // TOTP: enrolment, then the two-step sign-in.
    await awayFromStepBoundary();
    const twoStep = { email: "two-step-logs@example.com", password: "two-step password in logs" };
    const twoStepUser = await server.db.user.create({
      data: { email: twoStep.email, passwordHash: await hashPassword(twoStep.password, 4) },
    });
    const { jar: enrolling } = await signIn(twoStep);
    const enrol = await post("/api/account/totp", undefined, withCookies(enrolling));
    expect(enrol.status).toBe(200);
    const { secret, otpauthUri } = (await enrol.json()) as { secret: string; otpauthUri: string };
    secrets.add(secret).add(otpauthUri);
    const confirmCode = codeAt(secret, -30);
    const confirm = await post("/api/account/totp/confirm", { code: confirmCode }, withCookies(enrolling));
    expect(confirm.status).toBe(200);
    const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
    for (const code of recoveryCodes) secrets.add(code);
    const { response: pending, jar: pendingJar } = await signIn(twoStep);
    expect(pending.status).toBe(202);
    const secondStep = await post("/api/auth/mfa", { method: "totp", code: codeAt(secret) }, withCookies(pendingJar));
    expect(secondStep.status).toBe(200);
    keepCookies(secondStep);

    // A password reset, through the mailed link.
    expect((await post("/api/auth/password/forgot", { email: DEMO.email })).status).toBe(202);
    let mailText = "";
    for (let i = 0; i < 40 && !mailText; i++) {
      const mail = await server.db.devMail.findFirst({ where: { to: DEMO.email, subject: "Reset your password" } });
      if (mail) mailText = mail.text;
      else await new Promise((r) => setTimeout(r, 250));
    }
    const link = new URL(/https?:\/\/\S+/.exec(mailText)![0]);
    const resetToken = link.searchParams.get("token")!;
    secrets.add(link.href).add(resetToken);
    const newPassword = "a new password for the logs test";
    secrets.add(newPassword);
    const reset = await post("/api/auth/password/reset", { token: resetToken, password: newPassword });
    expect(reset.status).toBe(200);
    keepCookies(reset);

    // Lines are written as requests end; the last one's may trail its answer by a moment.
    await expect.poll(() => lines().some((l) => l.path === "/api/auth/password/reset")).toBe(true);
    const all = lines();
    const requests = all.filter((l) => l.msg === "request");
    const events = all.filter((l) => l.msg === "security event");
    const request = (method: string, path: string, status: number) =>
      requests.filter((l) => l.method === method && l.path === path && l.status === status);
    const event = (name: string) => events.filter((l) => l.event === name);

    // The sign-in: its request line and its event share the caller's request id.
    expect(request("POST", "/api/auth/login", 200)[0]).toMatchObject({
      level: "info",
      requestId: "test-login-0001",
      userId: demoUserId,
      sessionId,
    });
    expect(event("login_succeeded")[0]).toMatchObject({
      requestId: "test-login-0001",
      userId: demoUserId,
      sessionId,
      ssfEvent: `${CAEP}session-established`,
    });
    expect(request("POST", "/api/auth/login", 401)[0]).toMatchObject({
      requestId: generatedId,
      userId: demoUserId,
      error: "invalid_credentials",
    });
    expect(event("login_failed")[0]).toMatchObject({ level: "warn", requestId: generatedId, userId: demoUserId });

    // The rotation names its session; the replay is a credential compromise.
    expect(request("POST", "/api/auth/refresh", 200)[0]).toMatchObject({ userId: demoUserId, sessionId });
    expect(request("POST", "/api/auth/refresh", 401)[0]).toMatchObject({
      requestId: reuseId,
      error: "refresh_token_reused",
      sessionId,
    });
    expect(event("refresh_token_reused")[0]).toMatchObject({
      level: "warn",
      requestId: reuseId,
      userId: demoUserId,
      sessionId,
      ssfEvent: `${RISC}credential-compromise`,
    });

    expect(request("GET", "/api/me", 200)[0]).toMatchObject({ userId: demoUserId, sessionId: secondSession });
    expect(event("logout").find((l) => l.sessionId === secondSession)).toMatchObject({
      userId: demoUserId,
      ssfEvent: `${CAEP}session-revoked`,
    });
    const tokenLines = request("POST", "/api/oauth/token", 200);
    expect(tokenLines).toHaveLength(2);
    for (const line of tokenLines) expect(line).toMatchObject({ userId: demoUserId, sessionId: expect.any(String) });
    expect(event("logout").some((l) => l.detail === "token revoked")).toBe(true);

    expect(event("totp_enabled")[0]).toMatchObject({
      userId: twoStepUser.id,
      ssfEvent: `${CAEP}credential-change`,
    });
    expect(event("mfa_required")[0]).toMatchObject({ userId: twoStepUser.id });
    expect(request("POST", "/api/auth/login", 202)[0]).toMatchObject({ userId: twoStepUser.id });
    expect(request("POST", "/api/auth/mfa", 200)[0]).toMatchObject({
      userId: twoStepUser.id,
      sessionId: expect.any(String),
    });

    expect(event("password_reset_requested")[0]).toMatchObject({
      userId: demoUserId,
      ssfEvent: `${RISC}recovery-activated`,
    });
    expect(event("password_reset")[0]).toMatchObject({ userId: demoUserId, ssfEvent: `${CAEP}credential-change` });

    // Every security event of a request shares its id with that request's line.
    const requestIds = new Set(requests.map((l) => l.requestId));
    for (const line of events) expect(requestIds).toContain(line.requestId);
    // Query strings (a code, a token) are never part of the logged path.
    for (const line of requests) expect(String(line.path)).not.toContain("?");
  });

  it("holds none of the secrets the test used or received", () => {
    const output = server.logs();
    expect(secrets.size).toBeGreaterThan(15);
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
