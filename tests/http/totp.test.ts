// TOTP second factor, recovery codes and the two-step sign-in (issue 23), against the real
// server: every route, every refusal, replays and concurrent bursts. SQLite, and
// PostgreSQL with TEST_DATABASE_URL. Codes are made with otpauth, as an authenticator app would.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { awayFromStepBoundary, codeAt } from "../support/totp";

const PASSWORD = "the right password";
const PER_ACCOUNT = 10;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    OAUTH_PASSWORD_GRANT: "enabled",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: `${PER_ACCOUNT}/900`,
    RATE_LIMIT_LOGIN_PER_IP: "1000/900",
  });
});
afterAll(() => server?.stop());

let count = 0;
async function newUser() {
  const email = `totp-${++count}-${Date.now()}@example.com`;
  const user = await server.db.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD, 4) } });
  return { id: user.id, email };
}

const send = (path: string, jar: CookieJar, body?: unknown, method = "POST") =>
  fetch(
    `${server.url}${path}`,
    withCookies(jar, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

/** A user with TOTP on (confirmed with the previous step's code, so the current one is unused). */
async function userWithTotp() {
  await awayFromStepBoundary();
  const user = await newUser();
  const { jar } = await login(server.url, { email: user.email, password: PASSWORD });
  const enrol = await send("/api/account/totp", jar);
  expect(enrol.status).toBe(200);
  const { secret, otpauthUri } = (await enrol.json()) as { secret: string; otpauthUri: string };
  const confirm = await send("/api/account/totp/confirm", jar, { code: codeAt(secret, -30) });
  expect(confirm.status).toBe(200);
  const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
  return { user, jar, secret, otpauthUri, recoveryCodes };
}

async function pendingSignIn(email: string) {
  const { response, jar } = await login(server.url, { email, password: PASSWORD });
  return { response, jar };
}

describe("enrolment", () => {
  it("POST /api/account/totp gives a secret and its otpauth URI; the database keeps it sealed", async () => {
    const { user, secret, otpauthUri, recoveryCodes } = await userWithTotp();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const factor = await server.db.totpFactor.findUniqueOrThrow({ where: { userId: user.id } });
    expect(factor.confirmedAt).not.toBeNull();
    expect(factor.secret).not.toContain(secret);
    const stored = await server.db.recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored.map((r) => r.codeHash)).not.toContain(recoveryCodes[0]);
  });

  it("a wrong confirmation code: 401 invalid_code, TOTP stays off", async () => {
    const user = await newUser();
    const { jar } = await login(server.url, { email: user.email, password: PASSWORD });
    const { secret } = (await (await send("/api/account/totp", jar)).json()) as { secret: string };
    const wrong = String((Number(codeAt(secret)) + 1) % 1_000_000).padStart(6, "0");
    const response = await send("/api/account/totp/confirm", jar, { code: wrong });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toBe("invalid_code");
    expect((await server.db.totpFactor.findUniqueOrThrow({ where: { userId: user.id } })).confirmedAt).toBeNull();
    expect((await login(server.url, { email: user.email, password: PASSWORD })).response.status).toBe(200);
  });

  it("refusals: confirm with nothing pending 409, enrol twice 409, bad input 400, signed out 401", async () => {
    const { jar } = await userWithTotp();
    expect((await send("/api/account/totp", jar)).status).toBe(409);
    expect((await send("/api/account/totp/confirm", jar, { code: "123456" })).status).toBe(409);
    const other = await newUser();
    const fresh = (await login(server.url, { email: other.email, password: PASSWORD })).jar;
    expect((await send("/api/account/totp/confirm", fresh, { code: "123456" })).status).toBe(409);
    expect((await send("/api/account/totp/confirm", fresh, {})).status).toBe(400);
    expect((await send("/api/account/recovery-codes", fresh)).status).toBe(409);
    expect((await send("/api/account/totp", fresh, undefined, "DELETE")).status).toBe(404);
    expect((await send("/api/account/totp", new CookieJar())).status).toBe(401);
  });
});

describe("sign-in with a second factor", () => {
  it("the right password gives 202 mfa_required and only the pending cookie: no session, no token", async () => {
    const { user } = await userWithTotp();
    const sessionsBefore = await server.db.session.count({ where: { userId: user.id } });
    const { response, jar } = await pendingSignIn(user.email);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ mfa_required: true, methods: ["totp", "recovery_code"] });
    const cookies = parseSetCookies(response);
    expect(cookies.map((c) => c.name)).toEqual(["pending_sign_in"]);
    expect(cookies[0]!.attributes).toMatchObject({ httponly: true, samesite: "strict", path: "/api/auth/mfa" });
    expect(jar.get("access_token")).toBeUndefined();
    expect(await server.db.session.count({ where: { userId: user.id } })).toBe(sessionsBefore);
  });

  it("the code completes it as a password sign-in does, with amr pwd otp mfa; the pending sign-in is single use", async () => {
    const { user, secret } = await userWithTotp();
    const { jar } = await pendingSignIn(user.email);
    const pendingCookie = jar.get("pending_sign_in");
    const response = await send("/api/auth/mfa", jar, { method: "totp", code: codeAt(secret) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe(user.email);
    jar.store(response);
    expect(jar.get("pending_sign_in")).toBeUndefined();
    const claims = decodeJwt(jar.get("access_token")!);
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(jar.get("refresh_token")).toBeDefined();
    expect((await fetch(`${server.url}/api/me`, withCookies(jar))).status).toBe(200);
    // The same pending sign-in again, with the next code: spent.
    const again = await fetch(`${server.url}/api/auth/mfa`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `pending_sign_in=${pendingCookie}` },
      body: JSON.stringify({ method: "totp", code: codeAt(secret, 30) }),
    });
    expect(again.status).toBe(401);
    expect((await again.json()).error).toBe("sign_in_expired");
  });

  it("a code already used is refused in its window (replay), and so is a wrong one; the sign-in stays pending", async () => {
    const { user, secret } = await userWithTotp();
    const first = await pendingSignIn(user.email);
    expect((await send("/api/auth/mfa", first.jar, { method: "totp", code: codeAt(secret) })).status).toBe(200);
    const second = await pendingSignIn(user.email);
    const replay = await send("/api/auth/mfa", second.jar, { method: "totp", code: codeAt(secret) });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: "invalid_code", message: expect.any(String) });
    // An older step than one used is no better.
    expect((await send("/api/auth/mfa", second.jar, { method: "totp", code: codeAt(secret, -30) })).status).toBe(401);
    expect((await send("/api/auth/mfa", second.jar, { method: "totp", code: codeAt(secret, 30) })).status).toBe(200);
  });

  it("a recovery code works once", async () => {
    const { user, recoveryCodes } = await userWithTotp();
    const first = await pendingSignIn(user.email);
    const code = recoveryCodes[3]!.toUpperCase();
    expect((await send("/api/auth/mfa", first.jar, { method: "recovery_code", code })).status).toBe(200);
    const second = await pendingSignIn(user.email);
    const reused = await send("/api/auth/mfa", second.jar, { method: "recovery_code", code });
    expect(reused.status).toBe(401);
    expect((await reused.json()).error).toBe("invalid_code");
    const used = await server.db.recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } });
    expect(used).toBe(1);
  });

  it("a concurrent burst of one valid code over many pending sign-ins starts exactly one session", async () => {
    const { user, secret } = await userWithTotp();
    const pendings = await Promise.all(Array.from({ length: 6 }, () => pendingSignIn(user.email)));
    const code = codeAt(secret);
    const statuses = await Promise.all(
      pendings.map(async ({ jar }) => (await send("/api/auth/mfa", jar, { method: "totp", code })).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  });

  it("a burst of wrong codes shares the password throttle: exactly the limit of verdicts, then 429", async () => {
    const { user, secret } = await userWithTotp();
    const { jar } = await pendingSignIn(user.email);
    const statuses = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const code = String(i).padStart(6, "0");
        return (await send("/api/auth/mfa", jar, { method: "totp", code })).status;
      }),
    );
    const limited = statuses.filter((s) => s === 429).length;
    // The right password of the sign-in gave its point back; each wrong code takes one.
    expect(statuses.filter((s) => s === 401).length + limited).toBe(25);
    expect(limited).toBeGreaterThanOrEqual(25 - PER_ACCOUNT);
    expect((await send("/api/auth/mfa", jar, { method: "totp", code: codeAt(secret) })).status).toBe(429);
    expect((await login(server.url, { email: user.email, password: PASSWORD })).response.status).toBe(429);
  });

  it("bad input: 400; no pending cookie: 401 sign_in_expired", async () => {
    const { user } = await userWithTotp();
    const { jar } = await pendingSignIn(user.email);
    expect((await send("/api/auth/mfa", jar, { method: "sms", code: "123456" })).status).toBe(400);
    expect((await send("/api/auth/mfa", jar, { method: "totp" })).status).toBe(400);
    const none = await send("/api/auth/mfa", new CookieJar(), { method: "totp", code: "123456" });
    expect(none.status).toBe(401);
    expect((await none.json()).error).toBe("sign_in_expired");
  });

  it("the form flow without JavaScript: login → /login/mfa, code → next", async () => {
    const { user, secret } = await userWithTotp();
    const jar = new CookieJar();
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
        body: new URLSearchParams(fields),
      });
    const first = await form("/api/auth/login", { email: user.email, password: PASSWORD, next: "/dashboard/sessions" });
    expect(first.status).toBe(303);
    expect(new URL(first.headers.get("location")!).pathname).toBe("/login/mfa");
    jar.store(first);
    const wrong = await form("/api/auth/mfa", { method: "totp", code: "000000", next: "/dashboard/sessions" });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toContain("error=invalid_code");
    const second = await form("/api/auth/mfa", { method: "totp", code: codeAt(secret), next: "/dashboard/sessions" });
    expect(second.status).toBe(303);
    expect(new URL(second.headers.get("location")!).pathname).toBe("/dashboard/sessions");
    jar.store(second);
    expect(jar.get("access_token")).toBeDefined();
  });

  it("the legacy password grant refuses an account with a second factor", async () => {
    const { user } = await userWithTotp();
    const response = await fetch(`${server.url}/api/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username: user.email, password: PASSWORD }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toMatch(/two-step/);
  });
});

describe("step-up with a second factor, removal and new recovery codes", () => {
  it("past the step-up window: the TOTP routes answer 403; the password alone does not step up; a code does", async () => {
    const { user, jar, secret } = await userWithTotp();
    const sessionId = decodeJwt(jar.get("access_token")!).sid as string;
    await server.db.session.update({
      where: { id: sessionId },
      data: { authenticatedAt: new Date(Date.now() - 3600_000) },
    });
    expect((await send("/api/account/totp", jar, undefined, "DELETE")).status).toBe(403);
    expect((await send("/api/account/recovery-codes", jar)).status).toBe(403);
    const byPassword = await send("/api/auth/reauth", jar, { password: PASSWORD });
    expect(byPassword.status).toBe(400);
    expect((await byPassword.json()).error).toBe("second_factor_required");
    const byCode = await send("/api/auth/reauth", jar, { method: "totp", code: codeAt(secret) });
    expect(byCode.status).toBe(200);
    jar.store(byCode);
    expect(decodeJwt(jar.get("access_token")!).amr).toEqual(["otp"]);
    const regenerated = await send("/api/account/recovery-codes", jar);
    expect(regenerated.status).toBe(200);
    expect(((await regenerated.json()) as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);
    expect((await send("/api/account/totp", jar, undefined, "DELETE")).status).toBe(204);
    expect(await server.db.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
    expect((await login(server.url, { email: user.email, password: PASSWORD })).response.status).toBe(200);
  });
});
