// REQUIRE_VERIFIED_EMAIL=true: an unverified account cannot sign in until it follows
// the link mailed (over real SMTP) at registration.
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { linkIn, startMailServer, type TestMailServer } from "../support/smtp";

let server: TestServer;
let mail: TestMailServer;

beforeAll(async () => {
  mail = await startMailServer();
  server = await startServer({ SMTP_URL: mail.url, REQUIRE_VERIFIED_EMAIL: "true", RATE_LIMIT_MAIL_PER_IP: "4/3600" });
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

it("registers without signing in, refuses sign-in with a clear message, and admits after verification", async () => {
  const email = "must-verify@example.com";
  const password = "must verify passphrase";
  const registered = await post("/api/auth/register", { email, password });
  expect(registered.status).toBe(201);
  expect(((await registered.json()) as { verificationRequired: boolean }).verificationRequired).toBe(true);
  expect(registered.headers.getSetCookie()).toEqual([]);

  const refused = await login(server.url, { email, password });
  expect(refused.response.status).toBe(403);
  const body = (await refused.response.json()) as { error: string; message: string };
  expect(body.error).toBe("email_not_verified");
  expect(body.message).toMatch(/confirm your email/i);
  expect(refused.jar.get("access_token")).toBeUndefined();

  // A wrong password is told nothing about verification.
  expect((await login(server.url, { email, password: "wrong passphrase" })).response.status).toBe(401);

  // The form post (no JavaScript) lands on the login page with the message and its link.
  const form = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, next: "/dashboard" }),
  });
  expect(form.status).toBe(303);
  const page = await fetch(form.headers.get("location")!);
  const html = await page.text();
  expect(html).toContain("Confirm your email address before signing in");
  expect(html).toContain('href="/verify-email"');

  const token = linkIn(await mail.nextMailTo(email)).searchParams.get("token")!;
  expect((await post("/api/auth/verify-email", { token })).status).toBe(200);
  expect((await login(server.url, { email, password })).response.status).toBe(200);
});

it("lets the seeded, verified demo user sign in", async () => {
  expect((await login(server.url, DEMO)).response.status).toBe(200);
});

it("limits mail requests per client address, across different emails", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    statuses.push((await post("/api/auth/verify-email/resend", { email: `spray-${i}@example.com` })).status);
  }
  expect(statuses).toEqual([202, 202, 202, 202, 429]);
  const forgot = await post("/api/auth/password/forgot", { email: "spray-forgot@example.com" });
  expect(forgot.status).toBe(202); // a separate budget from resend
});
