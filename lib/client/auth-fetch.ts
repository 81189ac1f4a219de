// Browser side of the token model: refresh on 401, once, shared by everything in the
// tab (single flight) and serialised across tabs with the Web Locks API.
import { REFRESH_REASON_HEADER, type BrowserRefreshReason } from "@/lib/http/refresh-reason";
import { readRefreshedAt, writeRefreshedAt } from "./refreshed-at";

const LOCK_NAME = "auth-refresh";

type RefreshListener = (accessTokenExpiresAt: Date) => void;
const listeners = new Set<RefreshListener>();

/** Called with the new access-token expiry after each refresh this tab makes. */
export function onRefresh(listener: RefreshListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * What the wrapper did, for the dashboard's event log. Descriptions only: no token, no
 * header value, nothing a reader of the log could replay.
 */
export type AuthFetchEvent =
  | { type: "request"; method: string; url: string }
  | { type: "response"; method: string; url: string; status: number }
  | { type: "refresh-start"; reason: BrowserRefreshReason }
  | { type: "refresh-joined" }
  | { type: "refresh-reused-other-tab" }
  | { type: "refresh-done"; ok: boolean; status: number; error?: string }
  | { type: "refresh-by-browser"; reason: BrowserRefreshReason }
  | { type: "device-bound"; learnedFrom: "session" | "refresh-route" }
  | { type: "retry"; method: string; url: string }
  | { type: "sign-in-required"; reason?: string };

type EventListener = (event: AuthFetchEvent) => void;
const eventListeners = new Set<EventListener>();

export function onAuthFetchEvent(listener: EventListener): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

function emit(event: AuthFetchEvent): void {
  for (const listener of eventListeners) listener(event);
}

// The error code of the last failed refresh, so the sign-in page can say why (a
// detected token theft deserves an explanation; an expired session does not).
let lastRefreshError: string | undefined;

// A device-bound session (DBSC) is renewed by the browser, which signs for a new access
// cookie with a key the page cannot read; its refresh cookie no longer renews it, and
// each POST of it would only be answered 401 session_bound and counted as a failed
// refresh against this address. Binding is for the session's lifetime, and a new
// sign-in is a full page load, so once this tab knows, it never posts the cookie again.
let deviceBound = false;

/**
 * Tells the wrapper that this tab's session is bound to a device key: from now on a
 * refresh is the browser's job. `learnedFrom` is for the log only.
 */
export function markDeviceBound(learnedFrom: "session" | "refresh-route" = "session"): void {
  if (deviceBound) return;
  deviceBound = true;
  emit({ type: "device-bound", learnedFrom });
}

/**
 * What a refresh came to: the refresh token rotated; nothing for this page to do, the
 * session being device-bound (the browser renews its access cookie, holding any request
 * that would go out without it); or the session is over.
 */
export type RefreshOutcome = "refreshed" | "device-bound" | "failed";

async function postRefresh(reason: BrowserRefreshReason): Promise<RefreshOutcome> {
  emit({ type: "refresh-start", reason });
  const response = await fetch("/api/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { [REFRESH_REASON_HEADER]: reason },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    // Not a sign-out: the browser bound the session after this page last looked (it
    // registers its key in the background, after a sign-in or refresh response).
    if (response.status === 401 && body?.error === "session_bound") {
      markDeviceBound("refresh-route");
      return "device-bound";
    }
    lastRefreshError = body?.error;
    emit({ type: "refresh-done", ok: false, status: response.status, error: body?.error });
    return "failed";
  }
  const body = (await response.json()) as { accessTokenExpiresAt: string };
  lastRefreshError = undefined;
  // Inside the lock: the next tab to take it must see this rotation (lib/client/refreshed-at.ts).
  await writeRefreshedAt(Date.now());
  emit({ type: "refresh-done", ok: true, status: response.status });
  for (const listener of listeners) listener(new Date(body.accessTokenExpiresAt));
  return "refreshed";
}

async function refreshAcrossTabs(staleSince: number, reason: BrowserRefreshReason): Promise<RefreshOutcome> {
  // Another tab's successful refresh since the caller's request went out.
  const refreshedSince = async () => (await readRefreshedAt()) >= staleSince;
  const reuse = (): RefreshOutcome => {
    emit({ type: "refresh-reused-other-tab" });
    return "refreshed";
  };
  if (!("locks" in navigator)) return (await refreshedSince()) ? reuse() : postRefresh(reason);
  return navigator.locks.request(LOCK_NAME, async () => {
    // Another tab (or this one) may have rotated the token after the caller's request
    // went out: its new cookies are ours too, and a second rotation would be wasted.
    if (await refreshedSince()) return reuse();
    return postRefresh(reason);
  });
}

let inFlight: Promise<RefreshOutcome> | null = null;

/**
 * Rotates the refresh token unless that happened after `staleSince` (when the request
 * that failed was sent); concurrent callers in this tab share one request. `reason`
 * labels the rotation in the session's history. A device-bound session is left to the
 * browser: no request at all.
 */
export function refreshSession(
  staleSince: number = Date.now(),
  reason: BrowserRefreshReason = "in_page_401",
): Promise<RefreshOutcome> {
  if (deviceBound) {
    emit({ type: "refresh-by-browser", reason });
    return Promise.resolve("device-bound");
  }
  if (inFlight) {
    emit({ type: "refresh-joined" });
    return inFlight;
  }
  inFlight = refreshAcrossTabs(staleSince, reason)
    .catch((): RefreshOutcome => "failed")
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

function sendToLogin(): void {
  const next = `${window.location.pathname}${window.location.search}`;
  const query = new URLSearchParams({ next });
  // The sign-in page explains a detected theft; other failures need no explanation.
  if (lastRefreshError === "refresh_token_reused") query.set("reason", lastRefreshError);
  emit({ type: "sign-in-required", reason: lastRefreshError });
  // A full navigation on purpose: nothing of the signed-in page's client state survives.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/login?${query}`);
}

// Only an auth challenge means "your access token is missing or expired": with the
// cookie gone there is no error code (RFC 6750 §3.1), with a bad one it is invalid_token.
// Other 401s (a wrong current password, say) carry no challenge; they are answers to
// show, not reasons to refresh.
function needsFreshToken(response: Response): boolean {
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  return response.status === 401 && /^Bearer\b/i.test(challenge) && !/error="(?!invalid_token")/.test(challenge);
}

function describe(input: RequestInfo | URL, init?: RequestInit): { method: string; url: string } {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  return { method, url };
}

/** fetch() for the app's APIs: on an expired access token it refreshes once and retries. */
export async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const call = describe(input, init);
  const sentAt = Date.now();
  emit({ type: "request", ...call });
  const response = await fetch(input, { credentials: "same-origin", ...init });
  emit({ type: "response", ...call, status: response.status });
  if (!needsFreshToken(response)) return response;
  const outcome = await refreshSession(sentAt);
  if (outcome === "failed") {
    sendToLogin();
    return response;
  }
  // For a device-bound session the retry is the refresh: the browser holds a request
  // that would go out without a live bound cookie until it has renewed it.
  emit({ type: "retry", ...call });
  const retried = await fetch(input, { credentials: "same-origin", ...init });
  emit({ type: "response", ...call, status: retried.status });
  // Still no valid access token: the browser could not renew it either (the server ends
  // a revoked session's DBSC session and clears its cookies), so the session is over.
  if (outcome === "device-bound" && needsFreshToken(retried)) sendToLogin();
  return retried;
}
