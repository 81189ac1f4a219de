// Change of email address (issue 23, item 5): a link to the new address, the change only
// when it is confirmed, the old address told, every other mailed link spent. Mail goes
// over real SMTP to a server this test runs.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { linkIn, startMailServer, type ReceivedMail, type TestMailServer } from "../support/smtp";

let server: TestServer;
let mail: TestMailServer;

beforeAll(async () => {
  mail = await startMailServer();
  server = await startServer({
    SMTP_URL: mail.url,
    RATE_LIMIT_MAIL_PER_EMAIL: "3/3600",
    RATE_LIMIT_MAIL_PER_IP: "1000/3600",
    RATE_LIMIT_REGISTER_PER_IP: "1000/3600",
  });
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

const CONFIRM_SUBJECT = "Confirm your new email address";

const post = (path: string, body: unknown, jar?: CookieJar) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/json", ...(jar ? { cookie: jar.header() } : {}) },
    body: JSON.stringify(body),
  });

const changeEmail = (jar: CookieJar, newEmail: unknown) => post("/api/account/email", { newEmail }, jar);
const confirm = (token: string) => post("/api/auth/confirm-email-change", { token });

let counter = 0;
const unique = (label: string) => `${label}-${++counter}-${process.pid}@example.com`;

async function register(email: string, password = "a long enough passphrase"): Promise<CookieJar> {
  const response = await post("/api/auth/register", { email, password });
  expect(response.status).toBe(201);
  const jar = new CookieJar();
  jar.store(response);
  await mail.nextMailTo(email, { subject: "Confirm your email address" });
  return jar;
}

/** Asks for the change and returns the token of the link mailed to the new address. */
async function requestChange(jar: CookieJar, newEmail: string): Promise<{ token: string; received: ReceivedMail }> {
  const response = await changeEmail(jar, newEmail);
  expect(response.status).toBe(202);
  const received = await mail.nextMailTo(newEmail.trim().toLowerCase(), { subject: CONFIRM_SUBJECT });
  return { token: linkIn(received).searchParams.get("token")!, received };
}

const userByEmail = (email: string) => server.db.user.findUnique({ where: { email } });

describe("change of email address", () => {
  it("mails the new address, changes nothing until the link is confirmed, then tells the old address", async () => {
    const oldEmail = unique("mover");
    const password = "moving passphrase";
    const jar = await register(oldEmail, password);
    const otherDevice = (await login(server.url, { email: oldEmail, password })).jar;
    const user = (await userByEmail(oldEmail))!;
    // Links mailed before the change, to the old address: they must die with it.
    await post("/api/auth/password/forgot", { email: oldEmail });
    const resetToken = linkIn(await mail.nextMailTo(oldEmail, { subject: "Reset your password" })).searchParams.get(
      "token",
    )!;

    const newEmail = unique("moved");
    const response = await changeEmail(jar, `  ${newEmail.toUpperCase()} `);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ newEmail, message: expect.stringContaining(newEmail) });
    const received = await mail.nextMailTo(newEmail, { subject: CONFIRM_SUBJECT });
    expect(received.text).toContain(newEmail);
    const link = linkIn(received);
    expect(link.origin).toBe(server.origin);
    expect(link.pathname).toBe("/confirm-email-change");
    const token = link.searchParams.get("token")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored, with the address it moves to; nothing changed yet.
    const row = await server.db.emailToken.findFirstOrThrow({ where: { userId: user.id, purpose: "email_change" } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(row.newEmail).toBe(newEmail);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(1800 * 1000);
    expect((await userByEmail(oldEmail))?.id).toBe(user.id);

    // Opening the link moves the token into a cookie for the bare page and changes nothing.
    const landing = await fetch(link, { redirect: "manual" });
    expect(landing.status).toBe(303);
    expect(new URL(landing.headers.get("location")!, server.origin).href).toBe(`${server.origin}/confirm-email-change`);
    expect(landing.headers.get("referrer-policy")).toBe("no-referrer");
    const stashed = parseSetCookies(landing).find((c) => c.name === "email_change")!;
    expect(stashed.value).toBe(token);
    expect(stashed.attributes).toMatchObject({ httponly: true, path: "/confirm-email-change", samesite: "lax" });
    const page = await fetch(`${server.url}/confirm-email-change`, { headers: { cookie: `email_change=${token}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain(newEmail);
    expect(html).toContain("Use this address");
    expect((await userByEmail(oldEmail))?.id).toBe(user.id);

    const confirmed = await confirm(token);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ user: { id: user.id, email: newEmail } });
    expect(parseSetCookies(confirmed).find((c) => c.name === "email_change")?.attributes["max-age"]).toBe("0");
    const after = await server.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.email).toBe(newEmail);
    expect(after.emailVerifiedAt).not.toBeNull();
    expect(await server.db.emailToken.count({ where: { userId: user.id, usedAt: null } })).toBe(0);

    // The old address is told, without a link and without the full new address.
    const notice = await mail.nextMailTo(oldEmail, { subject: "Your email address was changed" });
    expect(notice.text).not.toMatch(/https?:\/\//);
    expect(notice.html).not.toMatch(/<a\s/i);
    expect(notice.text).not.toContain(newEmail);
    expect(notice.text).toContain(`${newEmail.slice(0, 1)}***@example.com`);
    expect(notice.text).not.toContain(token);

    // The address is the sign-in name now; sessions stay; old links are dead.
    expect((await login(server.url, { email: newEmail, password })).response.status).toBe(200);
    expect((await login(server.url, { email: oldEmail, password })).response.status).toBe(401);
    const me = await fetch(`${server.url}/api/me`, withCookies(otherDevice));
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(newEmail);
    const reset = await post("/api/auth/password/reset", { token: resetToken, password: "taken over passphrase" });
    expect(reset.status).toBe(400);
    // The link worked once.
    const again = await confirm(token);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: "invalid_token", message: expect.any(String) });
    const events = await server.db.authEvent.findMany({ where: { userId: user.id }, select: { type: true } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["email_change_requested", "email_changed"]));
  });

  it("refuses the signed-out, bad input and the current address with 4xx, writing and mailing nothing", async () => {
    const email = unique("refused");
    const jar = await register(email);
    const user = (await userByEmail(email))!;
    const mailsBefore = mail.mails.length;

    const signedOut = await post("/api/account/email", { newEmail: unique("nobody") });
    expect(signedOut.status).toBe(401);
    expect(((await signedOut.json()) as { error: string }).error).toBe("unauthorized");

    for (const newEmail of [
      undefined,
      null,
      "",
      "not an email",
      42,
      ["a@example.com"],
      `${"x".repeat(250)}@example.com`,
    ]) {
      const response = await changeEmail(jar, newEmail);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "invalid_request", message: expect.any(String) });
    }
    const malformed = await fetch(`${server.url}/api/account/email`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header() },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    const same = await changeEmail(jar, email.toUpperCase());
    expect(same.status).toBe(400);
    expect(((await same.json()) as { error: string }).error).toBe("same_email");

    const crossSite = await fetch(`${server.url}/api/account/email`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header(), origin: "https://evil.example" },
      body: JSON.stringify({ newEmail: unique("csrf") }),
    });
    expect(crossSite.status).toBe(403);

    expect(await server.db.emailToken.count({ where: { userId: user.id, purpose: "email_change" } })).toBe(0);
    expect((await server.db.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(email);
    // Let any mail a request might have queued after its answer arrive before counting:
    // a later request's mail comes after it. (Other tests' notices may arrive meanwhile.)
    await requestChange(jar, unique("sentinel"));
    const ours = mail.mails.slice(mailsBefore).filter((m) => /^(refused|nobody|csrf|sentinel)-/.test(m.to));
    expect(ours.map((m) => m.subject)).toEqual([CONFIRM_SUBJECT]);
  });

  it("needs a recent authentication (step-up): a stale session gets 403 reauthentication_required", async () => {
    const email = unique("stale");
    const jar = await register(email);
    const user = (await userByEmail(email))!;
    await server.db.session.updateMany({
      where: { userId: user.id },
      data: { authenticatedAt: new Date(Date.now() - 3600 * 1000) },
    });
    const response = await changeEmail(jar, unique("stale-target"));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "reauthentication_required", message: expect.any(String) });
    expect(await server.db.emailToken.count({ where: { userId: user.id, purpose: "email_change" } })).toBe(0);
  });

  it("answers a taken address like a free one, and tells its owner instead of mailing a link", async () => {
    const email = unique("grabber");
    const jar = await register(email);
    const user = (await userByEmail(email))!;
    const taken = await changeEmail(jar, DEMO.email.toUpperCase());
    const free = await changeEmail(jar, unique("free"));
    expect(taken.status).toBe(202);
    expect(free.status).toBe(202);
    const [takenBody, freeBody] = (await Promise.all([taken.json(), free.json()])) as { message: string }[];
    expect(Object.keys(takenBody!).sort()).toEqual(Object.keys(freeBody!).sort());
    expect([...taken.headers.keys()].sort()).toEqual([...free.headers.keys()].sort());

    const notice = await mail.nextMailTo(DEMO.email, { subject: "Someone tried to use your email address" });
    expect(notice.text).not.toMatch(/https?:\/\//);
    expect(notice.text).not.toContain(email);
    const links = await server.db.emailToken.findMany({ where: { userId: user.id, purpose: "email_change" } });
    expect(links.map((l) => l.newEmail)).not.toContain(DEMO.email);
    expect((await userByEmail(DEMO.email))?.id).not.toBe(user.id);
  });

  it("refuses an expired, a tampered and a forged link, changing nothing", async () => {
    const email = unique("expiring");
    const jar = await register(email);
    const user = (await userByEmail(email))!;
    const { token } = await requestChange(jar, unique("expired-target"));
    const tampered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const bad of [tampered, "A".repeat(43), "x", "A".repeat(129), "' OR 1=1 --", "🔑".repeat(10)]) {
      const response = await confirm(bad);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    for (const body of [{}, { token: 42 }, { token: null }, []]) {
      expect((await post("/api/auth/confirm-email-change", body)).status).toBe(400);
    }
    await server.db.emailToken.updateMany({
      where: { userId: user.id, purpose: "email_change" },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await confirm(token);
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { error: string }).error).toBe("invalid_token");
    const page = await fetch(`${server.url}/confirm-email-change`, { headers: { cookie: `email_change=${token}` } });
    expect(await page.text()).toContain("invalid, expired or already used");
    expect((await server.db.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(email);
  });

  it("spends the earlier link when a newer change is asked for", async () => {
    const email = unique("indecisive");
    const jar = await register(email);
    const first = await requestChange(jar, unique("first-choice"));
    const secondEmail = unique("second-choice");
    const second = await requestChange(jar, secondEmail);
    expect((await confirm(first.token)).status).toBe(400);
    const ok = await confirm(second.token);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { user: { email: string } }).user.email).toBe(secondEmail);
  });

  it("lets exactly one of several concurrent confirmations of one link win", async () => {
    const email = unique("racer");
    const jar = await register(email);
    const target = unique("race-target");
    const { token } = await requestChange(jar, target);
    const answers = await Promise.all(Array.from({ length: 6 }, () => confirm(token)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    expect(await userByEmail(target)).not.toBeNull();
    await mail.nextMailTo(email, { subject: "Your email address was changed" });
  });

  it("answers 409 when the address was taken before the link was opened, and keeps the link", async () => {
    const email = unique("too-late");
    const jar = await register(email);
    const user = (await userByEmail(email))!;
    const target = unique("contested");
    const { token } = await requestChange(jar, target);
    await register(target); // someone else registers the address first
    const response = await confirm(token);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "email_taken", message: expect.any(String) });
    expect((await server.db.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(email);
    const row = await server.db.emailToken.findFirstOrThrow({ where: { userId: user.id, purpose: "email_change" } });
    expect(row.usedAt).toBeNull();
  });

  it("limits change requests per account with 429 and Retry-After", async () => {
    const jar = await register(unique("spammer"));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await changeEmail(jar, unique(`spam-target-${i}`))).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await changeEmail(jar, unique("spam-target-last"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("limits links to one address, whichever accounts ask", async () => {
    const target = unique("flooded");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const jar = await register(unique(`flooder-${i}`));
      statuses.push((await changeEmail(jar, target)).status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
  });
});
