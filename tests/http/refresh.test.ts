import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashRefreshToken } from "@/lib/auth/token-pair";
import { databaseState, DEMO } from "../support/database";
import { CookieJar, login, parseSetCookies, refreshWith, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";

const ACCESS_TTL_SECONDS = 4;
// Longer than any burst below can take on a loaded machine: 50 concurrent refreshes once
// took 12.6 s to be answered, and with the default 10 s the last of them came after the
// window had closed and were (rightly) judged theft. The window's end has its own test.
const REUSE_GRACE_SECONDS = 120;
let server: TestServer;
beforeAll(async () => {
  // No clock leeway, so "expired" means expired after ACCESS_TTL_SECONDS.
  server = await startServer({
    ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS),
    CLOCK_LEEWAY_SECONDS: "0",
    REFRESH_REUSE_GRACE_SECONDS: String(REUSE_GRACE_SECONDS),
  });
});
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function signedIn(): Promise<{ jar: CookieJar; refresh: string; sessionId: string }> {
  const { jar } = await login(server.url, DEMO);
  const refresh = jar.get("refresh_token")!;
  const row = await server.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashRefreshToken(refresh) } });
  return { jar, refresh, sessionId: row.sessionId };
}

function refreshCookieOf(response: Response): string | undefined {
  return parseSetCookies(response).find((c) => c.name === "refresh_token")?.value;
}

async function expectClearedWith(response: Response, error: string) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error, message: expect.any(String) });
  const cleared = parseSetCookies(response);
  expect(cleared.map((c) => [c.name, c.value, c.attributes["max-age"]]).sort()).toEqual([
    ["access_token", "", "0"],
    ["refresh_token", "", "0"],
  ]);
}

describe("navigation after the access token expired", () => {
  it("serves /dashboard without the login page, with both cookies rotated", async () => {
    const { jar } = await signedIn();
    const before = new Map(jar.cookies);
    await sleep(ACCESS_TTL_SECONDS * 1000 + 1500);

    let url = `${server.url}/dashboard`;
    const visited: string[] = [];
    for (let hop = 0; hop < 5; hop++) {
      const response = await fetch(url, withCookies(jar));
      jar.store(response);
      visited.push(new URL(url).pathname);
      if (response.status !== 303) {
        expect(response.status).toBe(200);
        expect(await response.text()).toContain(DEMO.email);
        break;
      }
      url = new URL(response.headers.get("location")!, server.url).href;
    }
    expect(visited).toEqual(["/dashboard", "/api/auth/refresh", "/dashboard"]);
    expect(jar.get("access_token")).not.toBe(before.get("access_token"));
    expect(jar.get("refresh_token")).not.toBe(before.get("refresh_token"));
  });

  it("only redirects to same-origin paths", async () => {
    for (const next of ["//evil.example/x", "https://evil.example", "/\\evil.example"]) {
      const { jar } = await signedIn();
      const response = await fetch(`${server.url}/api/auth/refresh?${new URLSearchParams({ next })}`, withCookies(jar));
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`${server.origin}/dashboard`);
    }
  });

  it("sends a failed refresh to the login page, keeping next", async () => {
    const response = await fetch(`${server.url}/api/auth/refresh?next=%2Fdashboard`, {
      headers: { cookie: "refresh_token=garbage" },
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${server.origin}/login?next=%2Fdashboard`);
  });
});

describe("rotation and reuse", () => {
  it("R0 → R1 → R2: R1 within grace gets the current pair; R0 revokes the family", async () => {
    const { refresh: r0, sessionId } = await signedIn();
    const first = await refreshWith(server.url, r0);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accessTokenExpiresAt: expect.any(String) });
    const r1 = refreshCookieOf(first)!;
    const second = await refreshWith(server.url, r1);
    const r2 = refreshCookieOf(second)!;
    expect(new Set([r0, r1, r2]).size).toBe(3);

    // R1 again, within the grace window: the current pair, nothing revoked.
    const retry = await refreshWith(server.url, r1);
    expect(retry.status).toBe(200);
    expect(refreshCookieOf(retry)).toBe(r2);
    expect((await server.db.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toBeNull();

    // R0: theft. The response fails, and the revocation is committed anyway.
    await expectClearedWith(await refreshWith(server.url, r0), "refresh_token_reused");
    await expectClearedWith(await refreshWith(server.url, r2), "refresh_token_reused");
    const session = await server.db.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokedReason).toBe("refresh_token_reused");
    expect(await server.db.authEvent.count({ where: { type: "refresh_token_reused", sessionId } })).toBe(1);
  });

  it("treats the parent after the grace window as theft", async () => {
    const { refresh: r0, sessionId } = await signedIn();
    const r1 = refreshCookieOf(await refreshWith(server.url, r0))!;
    // Move the rotation past the window instead of waiting for it to close.
    await server.db.refreshToken.update({
      where: { tokenHash: hashRefreshToken(r0) },
      data: { usedAt: new Date(Date.now() - (REUSE_GRACE_SECONDS + 10) * 1000) },
    });
    await expectClearedWith(await refreshWith(server.url, r0), "refresh_token_reused");
    await expectClearedWith(await refreshWith(server.url, r1), "refresh_token_reused");
    expect((await server.db.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedReason).toBe(
      "refresh_token_reused",
    );
  });

  it("50 concurrent refreshes of one token: no 5xx, one successor, everyone gets the current pair", async () => {
    const { refresh, sessionId } = await signedIn();
    const responses = await Promise.all(Array.from({ length: 50 }, () => refreshWith(server.url, refresh)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    // No loser answers with a Set-Cookie that clears what the winner set.
    const values = new Set(responses.map(refreshCookieOf));
    expect(values.size).toBe(1);
    expect(values.has(undefined)).toBe(false);
    const tokens = await server.db.refreshToken.findMany({ where: { sessionId } });
    expect(tokens).toHaveLength(2);
    expect(tokens.filter((t) => t.parentId !== null)).toHaveLength(1);
    expect((await server.db.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toBeNull();
  });
});

describe("refusals", () => {
  it("after logout", async () => {
    const { jar, refresh } = await signedIn();
    await fetch(`${server.url}/api/auth/logout`, withCookies(jar, { method: "POST" }));
    await expectClearedWith(await refreshWith(server.url, refresh), "invalid_refresh_token");
  });

  it("after the idle timeout", async () => {
    const { refresh, sessionId } = await signedIn();
    await server.db.session.update({ where: { id: sessionId }, data: { idleExpiresAt: new Date(Date.now() - 1000) } });
    await expectClearedWith(await refreshWith(server.url, refresh), "session_expired");
  });

  it("after the absolute lifetime", async () => {
    const { refresh, sessionId } = await signedIn();
    await server.db.session.update({
      where: { id: sessionId },
      data: { absoluteExpiresAt: new Date(Date.now() - 1000) },
    });
    await expectClearedWith(await refreshWith(server.url, refresh), "session_expired");
  });

  it.each([
    ["garbage", "not-a-token"],
    ["empty", ""],
    ["truncated", "A".repeat(42)],
    ["unknown but well-formed", "A".repeat(43)],
    ["oversized", "A".repeat(3000)],
  ])("a %s refresh cookie gets 401 and writes nothing", async (_label, value) => {
    await signedIn();
    const before = await databaseState(server.db);
    const response = await refreshWith(server.url, value);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_refresh_token");
    expect(await databaseState(server.db)).toEqual(before);
  });

  it("no refresh cookie at all gets 401", async () => {
    const response = await fetch(`${server.url}/api/auth/refresh`, { method: "POST" });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_refresh_token");
  });
});
