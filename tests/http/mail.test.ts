// Account recovery and email (issue 16), with mail delivered over real SMTP to a server
// this test runs: forgot → mail → reset, verification, and account deletion.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { linkIn, startMailServer, type TestMailServer } from "../support/smtp";

let server: TestServer;
let mail: TestMailServer;

beforeAll(async () => {
  mail = await startMailServer();
  server = await startServer({
    SMTP_URL: mail.url,
    MAIL_FROM: "Auth Tests <auth@example.test>",
    RATE_LIMIT_MAIL_PER_EMAIL: "3/3600",
    RATE_LIMIT_MAIL_PER_IP: "1000/3600",
    RATE_LIMIT_REGISTER_PER_IP: "1000/3600",
  });
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
  });

async function register(email: string, password: string): Promise<CookieJar> {
  const response = await post("/api/auth/register", { email, password });
  expect(response.status).toBe(201);
  const jar = new CookieJar();
  jar.store(response);
  return jar;
}

async function refresh(jar: CookieJar): Promise<Response> {
  const response = await fetch(`${server.url}/api/auth/refresh`, withCookies(jar, { method: "POST" }));
  jar.store(response);
  return response;
}

const me = (jar: CookieJar) => fetch(`${server.url}/api/me`, withCookies(jar));

/** Asks for a reset link and returns its token, read from the mail that arrived. */
async function resetTokenFor(email: string): Promise<string> {
  const response = await post("/api/auth/password/forgot", { email });
  expect(response.status).toBe(202);
  const received = await mail.nextMailTo(email, { subject: "Reset your password" });
  const link = linkIn(received);
  expect(link.origin).toBe(server.origin);
  expect(link.pathname).toBe("/reset-password");
  return link.searchParams.get("token")!;
}

describe("forgot password → mail → reset", () => {
  it("revokes every session of the account, signs this client in, and only the new password works", async () => {
    const email = "forgetful@example.com";
    const oldPassword = "the old passphrase";
    const newPassword = "a brand new passphrase";
    const registered = await register(email, oldPassword);
    expect((await mail.nextMailTo(email)).subject).toBe("Confirm your email address");
    const otherDevice = (await login(server.url, { email, password: oldPassword })).jar;
    expect((await me(registered)).status).toBe(200);
    expect((await me(otherDevice)).status).toBe(200);

    const token = await resetTokenFor(email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    // Opening the link moves the token into a cookie for the bare page, loading nothing.
    const landing = await fetch(`${server.url}/reset-password?token=${token}`, { redirect: "manual" });
    expect(landing.status).toBe(303);
    expect(new URL(landing.headers.get("location")!, server.origin).href).toBe(`${server.origin}/reset-password`);
    expect(landing.headers.get("referrer-policy")).toBe("no-referrer");
    expect(landing.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    const stashed = parseSetCookies(landing).find((c) => c.name === "password_reset")!;
    expect(stashed.value).toBe(token);
    expect(stashed.attributes).toMatchObject({ httponly: true, path: "/reset-password", samesite: "lax" });
    const page = await fetch(`${server.url}/reset-password`, { headers: { cookie: `password_reset=${token}` } });
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await page.text()).toContain("Set new password");
    const reset = await post("/api/auth/password/reset", { token, password: newPassword });
    expect(reset.status).toBe(200);
    const here = new CookieJar();
    here.store(reset);
    expect((await me(here)).status).toBe(200);

    // The old sessions are refused at their next request, and cannot refresh.
    for (const jar of [registered, otherDevice]) {
      expect((await me(jar)).status).toBe(401);
      const refused = await refresh(jar);
      expect(refused.status).toBe(401);
    }
    expect((await login(server.url, { email, password: oldPassword })).response.status).toBe(401);
    expect((await login(server.url, { email, password: newPassword })).response.status).toBe(200);

    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const events = await server.db.authEvent.findMany({ where: { userId: user.id }, select: { type: true } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["password_reset_requested", "password_reset"]));
    // Following the mailed link proves the address too.
    expect(user.emailVerifiedAt).not.toBeNull();
  });

  it("sends plain text and HTML from MAIL_FROM, and stores only the token's SHA-256", async () => {
    const email = "stored-hash@example.com";
    await register(email, "a fine passphrase");
    await mail.nextMailTo(email); // the verification mail
    await post("/api/auth/password/forgot", { email });
    const received = await mail.nextMailTo(email);
    expect(received.from).toBe("auth@example.test");
    expect(received.subject).toBe("Reset your password");
    const token = linkIn(received).searchParams.get("token")!;
    expect(received.html).toContain(`token=${token}`);
    expect(received.html).not.toMatch(/<img|tracking|utm_/i);
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const rows = await server.db.emailToken.findMany({ where: { userId: user.id, purpose: "password_reset" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(token);
    const ttl = rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime();
    expect(ttl).toBe(1800 * 1000);
  });

  it("refuses a link used twice, and spends every other outstanding link with the first", async () => {
    const email = "twice@example.com";
    await register(email, "first passphrase");
    await mail.nextMailTo(email);
    const first = await resetTokenFor(email);
    const second = await resetTokenFor(email);
    expect((await post("/api/auth/password/reset", { token: first, password: "second passphrase" })).status).toBe(200);
    for (const token of [first, second]) {
      const again = await post("/api/auth/password/reset", { token, password: "third passphrase" });
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual({ error: "invalid_token", message: expect.any(String) });
      expect(again.headers.getSetCookie().some((c) => c.startsWith("access_token=ey"))).toBe(false);
    }
    expect((await login(server.url, { email, password: "second passphrase" })).response.status).toBe(200);
  });

  it("lets exactly one of several concurrent resets with one link win", async () => {
    const email = "racing@example.com";
    await register(email, "racing passphrase");
    await mail.nextMailTo(email);
    const token = await resetTokenFor(email);
    const attempts = await Promise.all(
      ["racer one pass", "racer two pass", "racer three pass", "racer four pass"].map((password) =>
        post("/api/auth/password/reset", { token, password }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400]);
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const active = await server.db.session.count({ where: { userId: user.id, revokedAt: null } });
    expect(active).toBe(1);
  });

  it("refuses an expired link", async () => {
    const email = "expired@example.com";
    await register(email, "before expiry");
    await mail.nextMailTo(email);
    const token = await resetTokenFor(email);
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    await server.db.emailToken.updateMany({
      where: { userId: user.id, purpose: "password_reset" },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const response = await post("/api/auth/password/reset", { token, password: "after expiry" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_token");
    expect((await login(server.url, { email, password: "before expiry" })).response.status).toBe(200);
  });

  it("applies the registration password rules and keeps the link usable after a refused password", async () => {
    const email = "rules@example.com";
    await register(email, "rules passphrase");
    await mail.nextMailTo(email);
    const token = await resetTokenFor(email);
    for (const password of ["short", "x".repeat(257), "", 12345678]) {
      const response = await post("/api/auth/password/reset", { token, password });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_request");
    }
    expect((await post("/api/auth/password/reset", { token, password: "long enough now" })).status).toBe(200);
  });

  it("refuses forged and malformed tokens of every shape with 4xx, changing nothing", async () => {
    const before = await server.db.user.findUniqueOrThrow({ where: { email: DEMO.email } });
    const forged = [
      "A".repeat(43),
      "x",
      "A".repeat(42),
      "A".repeat(44),
      "A".repeat(129),
      "../../etc/passwd",
      "' OR 1=1 --",
      createHash("sha256").update("anything").digest("hex"),
      "%00".repeat(10),
      "🔑".repeat(20),
    ];
    for (const token of forged) {
      const response = await post("/api/auth/password/reset", { token, password: "an attacker's password" });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    for (const body of [{}, { token: 42, password: "x".repeat(10) }, { token: null }, []]) {
      expect((await post("/api/auth/password/reset", body)).status).toBe(400);
    }
    const after = await server.db.user.findUniqueOrThrow({ where: { email: DEMO.email } });
    expect(after.passwordHash).toBe(before.passwordHash);
  });

  it("answers unknown emails exactly like known ones, and mails only the known", async () => {
    const known = await post("/api/auth/password/forgot", { email: DEMO.email });
    const unknown = await post("/api/auth/password/forgot", { email: "nobody-here@example.com" });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(await known.json());
    expect([...unknown.headers.keys()].sort()).toEqual([...known.headers.keys()].sort());
    await mail.nextMailTo(DEMO.email, { subject: "Reset your password" });
    expect(mail.mails.some((m) => m.to === "nobody-here@example.com")).toBe(false);
  });

  it("limits requests per email with 429 and Retry-After, for unknown emails too", async () => {
    for (const email of ["limited@example.com", "limited-unknown@example.com"]) {
      if (email === "limited@example.com") {
        await register(email, "limited passphrase");
      }
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post("/api/auth/password/forgot", { email })).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
      const limited = await post("/api/auth/password/forgot", { email });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("refuses bad input with 400 and never a 5xx", async () => {
    for (const body of [{}, { email: "not an email" }, { email: 5 }, { email: "a@b.c".repeat(100) }]) {
      expect((await post("/api/auth/password/forgot", body)).status).toBe(400);
    }
  });
});

describe("email verification", () => {
  it("mails a link on registration; the link moves its token into a cookie and verifies once", async () => {
    const email = "verify-me@example.com";
    await register(email, "verify passphrase");
    const received = await mail.nextMailTo(email);
    expect(received.subject).toBe("Confirm your email address");
    const link = linkIn(received);
    expect(link.pathname).toBe("/verify-email");
    const token = link.searchParams.get("token")!;

    const landing = await fetch(link, { redirect: "manual" });
    expect(landing.status).toBe(303);
    expect(new URL(landing.headers.get("location")!, server.origin).href).toBe(`${server.origin}/verify-email`);
    expect(landing.headers.get("referrer-policy")).toBe("no-referrer");
    const cookie = parseSetCookies(landing).find((c) => c.name === "email_verification")!;
    expect(cookie.value).toBe(token);
    expect(cookie.attributes).toMatchObject({ httponly: true, path: "/verify-email", samesite: "lax" });

    const page = await fetch(`${server.url}/verify-email`, { headers: { cookie: `email_verification=${token}` } });
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");

    expect((await server.db.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
    const verified = await post("/api/auth/verify-email", { token });
    expect(verified.status).toBe(200);
    expect((await server.db.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).not.toBeNull();
    expect((await post("/api/auth/verify-email", { token })).status).toBe(400);
  });

  it("does not accept a reset token as a verification token, nor the reverse", async () => {
    const email = "crossed@example.com";
    await register(email, "crossed passphrase");
    const verifyToken = linkIn(await mail.nextMailTo(email)).searchParams.get("token")!;
    const resetToken = await resetTokenFor(email);
    expect((await post("/api/auth/verify-email", { token: resetToken })).status).toBe(400);
    expect((await post("/api/auth/password/reset", { token: verifyToken, password: "crossed again" })).status).toBe(
      400,
    );
  });

  it("resends only to unverified accounts, with the same answer for every address", async () => {
    const email = "resend@example.com";
    await register(email, "resend passphrase");
    await mail.nextMailTo(email);
    const answers = await Promise.all(
      [email, DEMO.email, "resend-nobody@example.com"].map((e) => post("/api/auth/verify-email/resend", { email: e })),
    );
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(linkIn(await mail.nextMailTo(email)).pathname).toBe("/verify-email");
    expect(mail.mails.filter((m) => m.to === DEMO.email && m.subject === "Confirm your email address")).toEqual([]);
  });
});

describe("delete account", () => {
  it("needs the password, then leaves no session that refreshes and no data but anonymised events", async () => {
    const email = "leaving@example.com";
    const password = "leaving passphrase";
    const first = await register(email, password);
    await mail.nextMailTo(email);
    const second = (await login(server.url, { email, password })).jar;
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const del = (jar: CookieJar, body: unknown) =>
      fetch(
        `${server.url}/api/account`,
        withCookies(jar, {
          method: "DELETE",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );

    expect((await fetch(`${server.url}/api/account`, { method: "DELETE" })).status).toBe(401);
    expect((await del(first, {})).status).toBe(400);
    const wrong = await del(first, { password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBeNull();
    expect(await server.db.user.count({ where: { id: user.id } })).toBe(1);

    const deleted = await del(first, { password });
    expect(deleted.status).toBe(204);
    expect(parseSetCookies(deleted).find((c) => c.name === "refresh_token")?.attributes["max-age"]).toBe("0");

    for (const jar of [first, second]) {
      expect((await me(jar)).status).toBe(401);
      expect((await refresh(jar)).status).toBe(401);
    }
    expect(await server.db.user.count({ where: { id: user.id } })).toBe(0);
    expect(await server.db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await server.db.emailToken.count({ where: { userId: user.id } })).toBe(0);
    expect(await server.db.authEvent.count({ where: { userId: user.id } })).toBe(0);
    const keys = await server.db.rateLimiterFlexible.findMany({ where: { key: { contains: email } } });
    expect(keys).toEqual([]);
    expect(await server.db.authEvent.count({ where: { type: "account_deleted" } })).toBeGreaterThan(0);
    expect((await login(server.url, { email, password })).response.status).toBe(401);
  });

  it("throttles the password check like sign-in", async () => {
    const email = "guessed@example.com";
    const password = "guessed passphrase";
    const jar = await register(email, password);
    await mail.nextMailTo(email);
    const attempt = (p: string) =>
      fetch(
        `${server.url}/api/account`,
        withCookies(jar, {
          method: "DELETE",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ password: p }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await attempt(`guess number ${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Locked: even the right password is refused until the window passes.
    expect((await attempt(password)).status).toBe(429);
    expect(await server.db.user.count({ where: { email } })).toBe(1);
  });
});

describe("the development mailbox", () => {
  it("does not exist when mail goes over SMTP", async () => {
    const response = await fetch(`${server.url}/dev/mailbox`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("Development mailbox");
  });
});

describe("secrets stay out of logs", () => {
  it("never writes a mailed token to the server log", async () => {
    const tokens = await server.db.emailToken.count();
    expect(tokens).toBeGreaterThan(0);
    // Security notices (a new-device sign-in, a password reset) carry no link at all.
    for (const m of mail.mails.filter((m) => /https?:\/\//.test(m.text))) {
      const token = linkIn(m).searchParams.get("token")!;
      expect(server.logs()).not.toContain(token);
    }
  });
});
