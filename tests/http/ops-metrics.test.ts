// GET /api/metrics on the real server: only for METRICS_TOKEN as a bearer, and what it
// serves is parsed by an unmodified Prometheus text-format parser and checked against
// the traffic this test sent (sign-ins, refreshes, token requests, a refused DPoP proof,
// a rate-limit refusal, a mail, the edge middleware's verdicts, latencies, process metrics).
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { DEMO } from "../support/database";
import { CookieJar, login, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const METRICS_TOKEN = "metrics-test-token-0123456789abcdef";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    METRICS_TOKEN,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "3/900",
    REFRESH_REUSE_GRACE_SECONDS: "0",
    DEV_MAILBOX: "enabled",
  });
});
afterAll(() => server?.stop());

let text = "";

async function scrape(): Promise<PrometheusFamily[]> {
  const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  text = await response.text();
  return parsePrometheusTextFormat(text);
}

function sample(families: PrometheusFamily[], name: string, labels: Record<string, string>) {
  const family = families.find((f) => f.name === name);
  return family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

const value = (families: PrometheusFamily[], name: string, labels: Record<string, string> = {}) =>
  Number(sample(families, name, labels)?.value ?? 0);

const tokenRequest = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });

const refresh = (jar: CookieJar) =>
  fetch(`${server.url}/api/auth/refresh`, { method: "POST", headers: { cookie: jar.header() } });

describe("GET /api/metrics", () => {
  it("refuses a scraper without the token", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-0123456789abcdef", `Basic ${METRICS_TOKEN}`]) {
      const response = await fetch(`${server.url}/api/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("counts what happened, by outcome, in the Prometheus text format", async () => {
    // Sign-ins: one success, one wrong password, four for an unknown account, the last of
    // them over the per-account limit (3 per window), and the right password of an account
    // with a second factor. The client cannot tell a wrong password from an unknown
    // account (the same 401 body); only the counter does.
    const { response: ok, jar } = await login(server.url, DEMO);
    expect(ok.status).toBe(200);
    const wrong = (await login(server.url, { email: DEMO.email, password: "wrong-password" })).response;
    expect(wrong.status).toBe(401);
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await login(server.url, { email: "nobody@example.com", password: "whatever-1" });
      answers.push({ status: response.status, body: await response.json() });
    }
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    expect(answers[0]!.body).toEqual(await wrong.json());
    const twoStep = await server.db.user.create({
      data: {
        email: "two-step@example.com",
        passwordHash: await hashPassword("two-step password", 4),
        totpFactor: { create: { secret: "sealed-secret-unused-here", confirmedAt: new Date() } },
      },
    });
    expect((await login(server.url, { email: twoStep.email, password: "two-step password" })).response.status).toBe(
      202,
    );

    // The edge middleware's verdicts on requests that need an access token: let through
    // (an API and a page), sent to refresh (a page without a token), refused (an API).
    // The header that carries them to server.mjs never reaches the client.
    const edge = [
      await fetch(`${server.url}/api/me`, withCookies(jar)),
      await fetch(`${server.url}/dashboard`, withCookies(jar)),
      await fetch(`${server.url}/dashboard`, { redirect: "manual" }),
      await fetch(`${server.url}/api/me`),
    ];
    expect(edge.map((r) => r.status)).toEqual([200, 200, 303, 401]);
    for (const response of edge) expect(response.headers.get("x-edge-verdict")).toBeNull();

    // Refreshes: one rotation, then the spent token again (no grace window): theft.
    const spent = new CookieJar();
    for (const [name, v] of jar.cookies) spent.cookies.set(name, v);
    const rotated = await refresh(jar);
    expect(rotated.status).toBe(200);
    expect((await refresh(spent)).status).toBe(401);
    expect((await fetch(`${server.url}/api/auth/refresh`, { method: "POST" })).status).toBe(401);

    // Token endpoint: an unknown grant, a bad refresh token, a malformed DPoP proof.
    expect((await tokenRequest({ grant_type: "bogus" })).status).toBe(400);
    // No client_id: this server has no clients registered, and an unknown one is
    // invalid_client (RFC 6749 §5.2), not the bad token this counts.
    const badRefresh = { grant_type: "refresh_token", refresh_token: "x".repeat(43) };
    expect((await tokenRequest(badRefresh)).status).toBe(400);
    expect((await tokenRequest(badRefresh, { DPoP: "not.a.proof" })).status).toBe(400);

    // A mail (the development mailbox), sent after the answer.
    const forgot = await fetch(`${server.url}/api/auth/password/forgot`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: DEMO.email }),
    });
    expect(forgot.status).toBe(202);
    // A path nobody routes: not a label.
    await fetch(`${server.url}/api/auth/no-such-route-${Math.random()}`);

    let families = await scrape();
    // Two mails, both sent after the answer: the reset link, and the notice of the
    // sign-in from a browser the demo account had not used before.
    for (let i = 0; i < 40 && value(families, "auth_mails_total", { outcome: "sent" }) < 2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      families = await scrape();
    }

    expect(value(families, "auth_sign_ins_total", { outcome: "success" })).toBe(1);
    expect(value(families, "auth_sign_ins_total", { outcome: "wrong_password" })).toBe(1);
    expect(value(families, "auth_sign_ins_total", { outcome: "unknown_user" })).toBe(3);
    expect(value(families, "auth_sign_ins_total", { outcome: "throttled" })).toBe(1);
    expect(value(families, "auth_sign_ins_total", { outcome: "mfa_required" })).toBe(1);
    expect(value(families, "auth_sign_ins_total", { outcome: "invalid_credentials" })).toBe(0);
    expect(value(families, "auth_rate_limited_total", { limiter: "login-account" })).toBe(1);

    expect(value(families, "auth_refreshes_total", { outcome: "rotated" })).toBe(1);
    expect(value(families, "auth_refreshes_total", { outcome: "reuse_detected" })).toBe(1);
    expect(value(families, "auth_refreshes_total", { outcome: "invalid" })).toBe(1);

    const token = (grant_type: string, outcome: string) =>
      value(families, "oauth_token_requests_total", { grant_type, outcome });
    expect(token("other", "unsupported_grant_type")).toBe(1);
    expect(token("refresh_token", "invalid_grant")).toBe(1);
    expect(token("refresh_token", "invalid_dpop_proof")).toBe(1);
    expect(value(families, "auth_proof_failures_total", { kind: "dpop" })).toBe(1);

    expect(value(families, "auth_mails_total", { outcome: "sent" })).toBe(2);
    expect(value(families, "auth_mails_total", { outcome: "failed" })).toBe(0);

    const verdict = (name: string) => value(families, "auth_edge_verdicts_total", { verdict: name });
    expect(verdict("allowed")).toBe(2);
    expect(verdict("refreshed_by_navigation")).toBe(1);
    expect(verdict("rejected")).toBe(1);

    // Latency histograms per auth route, method and status.
    // Latency histograms per auth route, method and status. The parser reads the
    // histogram (its type, its buckets) but folds labelled histograms into one sample
    // (it ports an old Python client), so the per-label series are read from the lines.
    expect(families.find((f) => f.name === "auth_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    const series = (suffix: string, route: string, status: string) => {
      const line = text
        .split("\n")
        .find(
          (l) =>
            l.startsWith(`auth_http_request_duration_seconds_${suffix}{`) &&
            l.includes(`route="${route}"`) &&
            l.includes('method="POST"') &&
            l.includes(`status="${status}"`) &&
            (suffix !== "bucket" || l.includes('le="+Inf"')),
        );
      return Number(line?.split(" ").at(-1));
    };
    expect(series("count", "/api/auth/login", "200")).toBe(1);
    expect(series("bucket", "/api/auth/login", "200")).toBe(1);
    expect(series("count", "/api/auth/login", "401")).toBe(4);
    expect(series("count", "/api/auth/refresh", "200")).toBe(1);
    expect(series("sum", "/api/auth/login", "200")).toBeGreaterThan(0);
    expect(text).not.toContain("no-such-route");

    // Process metrics.
    expect(value(families, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(value(families, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });
});
