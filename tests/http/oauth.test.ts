// The token API for clients without a cookie jar (RFC 6749 §4.3, §6, §5; RFC 7009), with
// the legacy password grant switched on (OAUTH_PASSWORD_GRANT=enabled); it is off by
// default (tests/http/oauth-endpoints.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login, refreshWith, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000/900", OAUTH_PASSWORD_GRANT: "enabled" });
});
afterAll(() => server?.stop());

type TokenBody = { access_token: string; token_type: string; expires_in: number; refresh_token: string };

function token(params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/api/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });
}

const passwordGrant = (extra: Record<string, string> = {}) =>
  token({ grant_type: "password", username: DEMO.email, password: DEMO.password, ...extra });

async function tokens(extra: Record<string, string> = {}): Promise<TokenBody> {
  const response = await passwordGrant(extra);
  expect(response.status).toBe(200);
  return (await response.json()) as TokenBody;
}

const bearer = (accessToken: string) => ({ headers: { authorization: `Bearer ${accessToken}` } });

async function expectOAuthError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("cache-control")).toBe("no-store");
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(body.error_description.length).toBeGreaterThan(0);
}

describe("grant_type=password", () => {
  it("answers with the §5.1 JSON, not cacheable, and sets no cookies", async () => {
    const response = await passwordGrant();
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("pragma")).toBe("no-cache");
    expect(response.headers.getSetCookie()).toEqual([]);
    const body = (await response.json()) as TokenBody;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ey/),
      token_type: "Bearer",
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(body.expires_in).toBeGreaterThan(590);
    expect(body.expires_in).toBeLessThanOrEqual(600);
  });

  it("accepts email as well as username", async () => {
    const response = await token({ grant_type: "password", email: DEMO.email, password: DEMO.password });
    expect(response.status).toBe(200);
  });

  it("wrong password → 400 invalid_grant", async () => {
    await expectOAuthError(await passwordGrant({ password: "wrong" }), 400, "invalid_grant");
  });

  it("unknown user → the same 400 invalid_grant", async () => {
    await expectOAuthError(await passwordGrant({ username: "nobody@example.com" }), 400, "invalid_grant");
  });

  it("missing password → 400 invalid_request", async () => {
    await expectOAuthError(await token({ grant_type: "password", username: DEMO.email }), 400, "invalid_request");
  });
});

describe("grant_type=refresh_token", () => {
  it("rotates: a new pair, and the old refresh token is spent", async () => {
    const first = await tokens();
    const response = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(response.status).toBe(200);
    const second = (await response.json()) as TokenBody;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.token_type).toBe("Bearer");
  });

  it("reuse of a rotated refresh token revokes the family", async () => {
    const first = await tokens();
    const second = (await (
      await token({ grant_type: "refresh_token", refresh_token: first.refresh_token })
    ).json()) as TokenBody;
    await server.db.refreshToken.updateMany({
      where: { usedAt: { not: null } },
      data: { usedAt: new Date(Date.now() - 60_000) },
    });
    await expectOAuthError(
      await token({ grant_type: "refresh_token", refresh_token: first.refresh_token }),
      400,
      "invalid_grant",
    );
    await expectOAuthError(
      await token({ grant_type: "refresh_token", refresh_token: second.refresh_token }),
      400,
      "invalid_grant",
    );
    expect((await fetch(`${server.url}/api/me`, bearer(second.access_token))).status).toBe(401);
  });

  it("an unknown refresh token → 400 invalid_grant", async () => {
    await expectOAuthError(
      await token({ grant_type: "refresh_token", refresh_token: "A".repeat(43) }),
      400,
      "invalid_grant",
    );
  });

  it("missing refresh_token → 400 invalid_request", async () => {
    await expectOAuthError(await token({ grant_type: "refresh_token" }), 400, "invalid_request");
  });

  // Review finding 8: the browser/API separation was by convention only. Each door serves
  // its own channel (lib/auth/bindings.ts), and a refusal spends nothing.
  it("keeps the cookie flow and the token endpoint apart, both ways", async () => {
    const { jar } = await login(server.url, DEMO);
    const cookieToken = jar.get("refresh_token")!;
    await expectOAuthError(
      await token({ grant_type: "refresh_token", refresh_token: cookieToken }),
      400,
      "invalid_grant",
    );
    expect((await refreshWith(server.url, cookieToken)).status).toBe(200);

    const api = await tokens();
    const asCookie = await refreshWith(server.url, api.refresh_token);
    expect(asCookie.status).toBe(401);
    expect(((await asCookie.json()) as { error: string }).error).toBe("invalid_refresh_token");
    expect((await token({ grant_type: "refresh_token", refresh_token: api.refresh_token })).status).toBe(200);
  });
});

describe("other §5.2 errors", () => {
  it("unknown grant_type → 400 unsupported_grant_type", async () => {
    await expectOAuthError(await token({ grant_type: "client_credentials" }), 400, "unsupported_grant_type");
  });

  it("missing grant_type → 400 invalid_request", async () => {
    await expectOAuthError(await token({ username: DEMO.email, password: DEMO.password }), 400, "invalid_request");
  });

  it("JSON instead of a form → 400 invalid_request", async () => {
    const response = await fetch(`${server.url}/api/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "password", username: DEMO.email, password: DEMO.password }),
    });
    await expectOAuthError(response, 400, "invalid_request");
  });
});

describe("bearer access", () => {
  it("GET /api/me with Authorization: Bearer", async () => {
    const { access_token } = await tokens();
    const response = await fetch(`${server.url}/api/me`, bearer(access_token));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe(DEMO.email);
  });

  it("a bad bearer token gets 401 with the challenge", async () => {
    const response = await fetch(`${server.url}/api/me`, bearer("not.a.token"));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("a bearer token and a cookie that disagree → 401 (neither wins)", async () => {
    const api = await tokens();
    const { jar } = await login(server.url, DEMO);
    const both = withCookies(jar, { headers: { authorization: `Bearer ${api.access_token}` } });
    expect((await fetch(`${server.url}/api/me`, both)).status).toBe(401);
  });

  it("bearer requests are exempt from the cookie CSRF check", async () => {
    const { access_token } = await tokens();
    const response = await fetch(`${server.url}/api/sessions/revoke-others`, {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, origin: "https://other-service.example" },
    });
    expect(response.status).toBe(200);
  });

  it("sessions created by the token endpoint show their client name", async () => {
    const { access_token } = await tokens({ client_name: "Example CLI" });
    const response = await fetch(`${server.url}/api/sessions`, bearer(access_token));
    const { sessions } = (await response.json()) as { sessions: { current: boolean; device: { label: string } }[] };
    expect(sessions.find((s) => s.current)!.device.label).toBe("Example CLI");
  });
});

describe("revocation (RFC 7009)", () => {
  it("revokes the refresh token's session", async () => {
    const issued = await tokens();
    const response = await fetch(`${server.url}/api/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: issued.refresh_token, token_type_hint: "refresh_token" }),
    });
    expect(response.status).toBe(200);
    expect((await fetch(`${server.url}/api/me`, bearer(issued.access_token))).status).toBe(401);
    await expectOAuthError(
      await token({ grant_type: "refresh_token", refresh_token: issued.refresh_token }),
      400,
      "invalid_grant",
    );
  });

  it("answers 200 for an unknown token", async () => {
    const response = await fetch(`${server.url}/api/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "unknown-token" }),
    });
    expect(response.status).toBe(200);
  });

  it("answers 400 invalid_request without a token", async () => {
    const response = await fetch(`${server.url}/api/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    await expectOAuthError(response, 400, "invalid_request");
  });
});
