// Security notices by mail (issue 23, item 6): a sign-in from a device this account has not
// used, a password change or reset. They arrive over real SMTP, say what happened and where,
// and carry nothing secret and no link; a mail transport that hangs or fails neither slows
// nor fails the action.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, login, parseSetCookies, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { startMailServer, type ReceivedMail, type TestMailServer } from "../support/smtp";

const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const NEW_SIGN_IN = "New sign-in to your account";
const PASSWORD_CHANGED = "Your password was changed";

let counter = 0;
const unique = (label: string) => `${label}-${++counter}-${process.pid}@example.com`;

/** Nothing a notice may carry: a link, a token-shaped string, the password. */
function expectNothingSecret(received: ReceivedMail, secrets: string[]): void {
  for (const body of [received.text, received.html]) {
    expect(body).not.toMatch(/https?:\/\//);
    expect(body).not.toMatch(/[A-Za-z0-9_-]{43}/);
    for (const secret of secrets) expect(body).not.toContain(secret);
  }
  expect(received.html).not.toMatch(/<a\s|<img/i);
}

describe("with a working mail transport", () => {
  let server: TestServer;
  let mail: TestMailServer;

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startServer({ SMTP_URL: mail.url, RATE_LIMIT_REGISTER_PER_IP: "1000/3600" });
  });
  afterAll(async () => {
    await server?.stop();
    await mail?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  async function register(email: string, password: string, userAgent = FIREFOX_LINUX): Promise<CookieJar> {
    const response = await post("/api/auth/register", { email, password }, { "user-agent": userAgent });
    expect(response.status).toBe(201);
    const jar = new CookieJar();
    jar.store(response);
    await mail.nextMailTo(email, { subject: "Confirm your email address" });
    return jar;
  }

  const signIn = (credentials: { email: string; password: string }, jar: CookieJar, userAgent = FIREFOX_LINUX) =>
    login(server.url, credentials, jar, { "user-agent": userAgent, ...(jar.header() ? { cookie: jar.header() } : {}) });

  /** Mails to `to` with this subject so far; call after a later mail to `to` arrived. */
  const count = (to: string, subject: string) => mail.mails.filter((m) => m.to === to && m.subject === subject).length;

  it("mails a sign-in from a new browser, and not one from the browser that registered", async () => {
    const email = unique("traveller");
    const password = "travelling passphrase";
    const home = await register(email, password);
    const device = parseSetCookies(await post("/api/auth/register", { email: unique("cookie-shape"), password })).find(
      (c) => c.name === "device_id",
    )!;
    expect(device.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(device.attributes).toMatchObject({ httponly: true, path: "/api/auth", samesite: "strict" });
    expect(Number(device.attributes["max-age"])).toBe(400 * 24 * 3600);
    expect(home.get("device_id")).toBeDefined();

    // The browser that registered signs in again: known.
    expect((await signIn({ email, password }, home)).response.status).toBe(200);
    // Another browser: new. Its notice says how, with what and from where.
    const away = new CookieJar();
    const signedIn = await signIn({ email, password }, away, CHROME_WINDOWS);
    expect(signedIn.response.status).toBe(200);
    expect(away.get("device_id")).toBeDefined();
    expect(away.get("device_id")).not.toBe(home.get("device_id"));
    const notice = await mail.nextMailTo(email, { subject: NEW_SIGN_IN });
    expect(notice.text).toContain("Signed in with the password");
    expect(notice.text).toContain("Chrome on Windows");
    expect(notice.text).toContain("127.0.0.1");
    expect(notice.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expectNothingSecret(notice, [
      password,
      away.get("device_id")!,
      away.get("refresh_token")!,
      away.get("access_token")!,
    ]);
    // The browser that registered did not cause one (its sign-in came first).
    expect(count(email, NEW_SIGN_IN)).toBe(1);

    // That browser is known from now on; the same cookie in another browser is not.
    expect((await signIn({ email, password }, away, CHROME_WINDOWS)).response.status).toBe(200);
    expect((await signIn({ email, password }, away, FIREFOX_LINUX)).response.status).toBe(200);
    const moved = await mail.nextMailTo(email, { subject: NEW_SIGN_IN });
    expect(moved.text).toContain("Firefox on Linux");
    expect(count(email, NEW_SIGN_IN)).toBe(2);
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const rows = await server.db.knownDevice.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(2);
    // Only the cookie's SHA-256 is kept.
    expect(JSON.stringify(rows)).not.toContain(away.get("device_id")!);
  });

  it("sends nothing and remembers nothing for a wrong password", async () => {
    const email = unique("guessed");
    const password = "the right passphrase";
    await register(email, password);
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    const wrong = await signIn({ email, password: "a wrong passphrase" }, new CookieJar(), CHROME_WINDOWS);
    expect(wrong.response.status).toBe(401);
    expect(wrong.jar.get("device_id")).toBeUndefined();
    // A sign-in after it: its notice is the first and only one.
    await signIn({ email, password }, new CookieJar(), CHROME_WINDOWS);
    await mail.nextMailTo(email, { subject: NEW_SIGN_IN });
    expect(count(email, NEW_SIGN_IN)).toBe(1);
    expect(await server.db.knownDevice.count({ where: { userId: user.id } })).toBe(2);
  });

  it("mails once for a burst of concurrent sign-ins from one new browser", async () => {
    const email = unique("burst");
    const password = "bursting passphrase";
    await register(email, password);
    const jar = new CookieJar();
    // One browser, one (never seen) device cookie, five tabs signing in at once.
    jar.cookies.set("device_id", "B".repeat(43));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => signIn({ email, password }, jar, CHROME_WINDOWS)),
    );
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
    await mail.nextMailTo(email, { subject: NEW_SIGN_IN });
    // A later notice to the same address: everything the burst queued has been sent by then.
    const user = await server.db.user.findUniqueOrThrow({ where: { email } });
    await signIn({ email, password }, new CookieJar(), CHROME_WINDOWS);
    await mail.nextMailTo(email, { subject: NEW_SIGN_IN });
    expect(count(email, NEW_SIGN_IN)).toBe(2);
    expect(await server.db.knownDevice.count({ where: { userId: user.id } })).toBe(3);
  });

  it("replaces a malformed device cookie instead of trusting or storing it", async () => {
    const email = unique("forged-device");
    const password = "forging passphrase";
    await register(email, password);
    for (const value of ["short", "A".repeat(44), "../../etc", "%00"]) {
      const jar = new CookieJar();
      jar.cookies.set("device_id", value);
      const { response } = await signIn({ email, password }, jar);
      expect(response.status).toBe(200);
      expect(jar.get("device_id")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(jar.get("device_id")).not.toBe(value);
    }
  });

  it("mails a password change and a password reset, without the passwords", async () => {
    const email = unique("rekeyed");
    const oldPassword = "old passphrase here";
    const newPassword = "new passphrase here";
    const jar = await register(email, oldPassword);
    const changed = await fetch(
      `${server.url}/api/account/password`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": FIREFOX_LINUX },
        body: JSON.stringify({ currentPassword: oldPassword, newPassword }),
      }),
    );
    expect(changed.status).toBe(200);
    const notice = await mail.nextMailTo(email, { subject: PASSWORD_CHANGED });
    expect(notice.text).toContain("was changed");
    expect(notice.text).toContain("Firefox on Linux");
    expectNothingSecret(notice, [oldPassword, newPassword]);

    expect((await post("/api/auth/password/forgot", { email })).status).toBe(202);
    const resetMail = await mail.nextMailTo(email, { subject: "Reset your password" });
    const token = new URL(resetMail.text.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
    const reset = await post("/api/auth/password/reset", { token, password: "third passphrase" });
    expect(reset.status).toBe(200);
    const resetNotice = await mail.nextMailTo(email, { subject: PASSWORD_CHANGED });
    expect(resetNotice.text).toContain("reset");
    expectNothingSecret(resetNotice, [token, "third passphrase"]);
  });
});

describe("with a mail transport that hangs, then fails", () => {
  let server: TestServer;
  let smtp: net.Server;
  const held: net.Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never says a word: nodemailer waits for the greeting.
    smtp = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.address() as net.AddressInfo;
    server = await startServer({ SMTP_URL: `smtp://127.0.0.1:${port}`, RATE_LIMIT_REGISTER_PER_IP: "1000/3600" });
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await server?.stop();
    await new Promise((resolve) => smtp?.close(resolve));
  });

  it("signs in and changes the password while the notice is stuck, and logs its failure", async () => {
    const email = unique("unmailed");
    const password = "unmailed passphrase";
    const registered = await fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    expect(registered.status).toBe(201);

    const { response, jar } = await login(server.url, { email, password }, new CookieJar(), {
      "user-agent": CHROME_WINDOWS,
    });
    expect(response.status).toBe(200);
    expect(jar.get("access_token")).toBeDefined();
    expect((await fetch(`${server.url}/api/me`, withCookies(jar))).status).toBe(200);
    // The registration's verification mail and the sign-in's notice are both waiting on the
    // mute server: the sign-in was answered first.
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(2);
    expect(held.every((socket) => !socket.destroyed)).toBe(true);

    const changed = await fetch(
      `${server.url}/api/account/password`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: password, newPassword: "changed while stuck" }),
      }),
    );
    expect(changed.status).toBe(200);
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(3);

    // Now the transport fails outright: logged, and nothing else happens.
    for (const socket of held) socket.destroy();
    await expect.poll(() => server.logs(), { timeout: 30_000 }).toMatch(/Sending the new-device sign-in notice failed/);
    await expect.poll(() => server.logs(), { timeout: 30_000 }).toMatch(/Sending the password change notice failed/);
    expect(server.logs()).not.toContain(password);
    expect((await login(server.url, { email, password: "changed while stuck" })).response.status).toBe(200);
  });
});
