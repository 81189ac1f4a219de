// The browser's fetch wrapper (lib/client/auth-fetch.ts) in Node: the network is a script
// of answers, and window, localStorage and navigator are the few pieces it touches.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as AuthFetch from "@/lib/client/auth-fetch";

type Answer = { status: number; body?: unknown; challenge?: string };
type Sent = { method: string; url: string };

let sent: Sent[];
let answers: Answer[];
let assign: ReturnType<typeof vi.fn>;
let wrapper: typeof AuthFetch;
let events: AuthFetch.AuthFetchEvent[];

const expired: Answer = { status: 401, challenge: "Bearer" };
const ok: Answer = { status: 200, body: { user: { email: "demo@example.com" } } };
const sessionBound: Answer = { status: 401, body: { error: "session_bound" } };

beforeEach(async () => {
  sent = [];
  answers = [];
  assign = vi.fn();
  const storage = new Map<string, string>();
  vi.stubGlobal("localStorage", {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => storage.set(key, value),
  });
  // No Web Locks: the wrapper's single-tab path.
  vi.stubGlobal("navigator", {});
  vi.stubGlobal("window", { location: { pathname: "/dashboard", search: "", assign } });
  vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
    sent.push({ method: init?.method ?? "GET", url });
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${init?.method ?? "GET"} ${url}`);
    const headers: Record<string, string> = answer.challenge ? { "WWW-Authenticate": answer.challenge } : {};
    return Response.json(answer.body ?? {}, { status: answer.status, headers });
  });
  // Each test gets the module fresh: it remembers a device-bound session for the page's life.
  vi.resetModules();
  wrapper = await import("@/lib/client/auth-fetch");
  events = [];
  wrapper.onAuthFetchEvent((event) => events.push(event));
});
afterEach(() => vi.unstubAllGlobals());

const refreshPosts = () => sent.filter((r) => r.method === "POST" && r.url === "/api/auth/refresh");

describe("authFetch", () => {
  it("refreshes once and retries when the session is not bound", async () => {
    answers = [expired, { status: 200, body: { accessTokenExpiresAt: new Date().toISOString() } }, ok];
    expect((await wrapper.authFetch("/api/me")).status).toBe(200);
    expect(refreshPosts()).toHaveLength(1);
    expect(assign).not.toHaveBeenCalled();
  });

  it("sends the user to sign in when the refresh fails", async () => {
    answers = [expired, { status: 401, body: { error: "refresh_token_reused" } }];
    await wrapper.authFetch("/api/me");
    expect(assign).toHaveBeenCalledWith("/login?next=%2Fdashboard&reason=refresh_token_reused");
  });

  it("takes a 401 session_bound as news, not a sign-out: it retries, and never posts the refresh cookie again", async () => {
    // The browser renews a bound cookie before it lets the retry go out.
    answers = [expired, sessionBound, ok];
    expect((await wrapper.authFetch("/api/me")).status).toBe(200);
    expect(assign).not.toHaveBeenCalled();
    expect(events).toContainEqual({ type: "device-bound", learnedFrom: "refresh-route" });
    expect(events.some((event) => event.type === "refresh-done" && !event.ok)).toBe(false);

    answers = [expired, ok];
    expect((await wrapper.authFetch("/api/me")).status).toBe(200);
    expect(refreshPosts()).toHaveLength(1);
    expect(events).toContainEqual({ type: "refresh-by-browser", reason: "in_page_401" });
  });

  it("for a bound session, sends the user to sign in only when the browser could not renew the cookie either", async () => {
    wrapper.markDeviceBound();
    answers = [expired, expired];
    expect((await wrapper.authFetch("/api/me")).status).toBe(401);
    expect(refreshPosts()).toEqual([]);
    expect(assign).toHaveBeenCalledWith("/login?next=%2Fdashboard");
  });
});

describe("refreshSession", () => {
  it("posts nothing for a session known to be bound, and says whose job the refresh is", async () => {
    wrapper.markDeviceBound();
    expect(await wrapper.refreshSession(Date.now(), "proactive")).toBe("device-bound");
    expect(sent).toEqual([]);
    expect(events).toEqual([
      { type: "device-bound", learnedFrom: "session" },
      { type: "refresh-by-browser", reason: "proactive" },
    ]);
  });

  it("answers device-bound, not refreshed, when the route refuses a bound session's cookie", async () => {
    // What the sign-in page checks before letting the user through without a password.
    answers = [sessionBound];
    expect(await wrapper.refreshSession(Date.now(), "navigation")).toBe("device-bound");
  });
});
