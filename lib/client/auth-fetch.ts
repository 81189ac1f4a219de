// Browser side of the token model: refresh on 401, once, shared by everything in the
// tab (single flight) and serialised across tabs with the Web Locks API.

const LOCK_NAME = "auth-refresh";
// Another tab's successful refresh, as a timestamp. Not a token: only "it happened".
const REFRESHED_AT_KEY = "auth:refreshed-at";

type RefreshListener = (accessTokenExpiresAt: Date) => void;
const listeners = new Set<RefreshListener>();

/** Called with the new access-token expiry after each refresh this tab makes. */
export function onRefresh(listener: RefreshListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function postRefresh(): Promise<boolean> {
  const response = await fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" });
  if (!response.ok) return false;
  const body = (await response.json()) as { accessTokenExpiresAt: string };
  localStorage.setItem(REFRESHED_AT_KEY, String(Date.now()));
  for (const listener of listeners) listener(new Date(body.accessTokenExpiresAt));
  return true;
}

async function refreshAcrossTabs(staleSince: number): Promise<boolean> {
  const refreshedSince = () => Number(localStorage.getItem(REFRESHED_AT_KEY) ?? 0) >= staleSince;
  if (!("locks" in navigator)) return refreshedSince() || postRefresh();
  return navigator.locks.request(LOCK_NAME, async () => {
    // Another tab (or this one) may have rotated the token after the caller's request
    // went out: its new cookies are ours too, and a second rotation would be wasted.
    if (refreshedSince()) return true;
    return postRefresh();
  });
}

let inFlight: Promise<boolean> | null = null;

/**
 * Rotates the refresh token unless that happened after `staleSince` (when the request
 * that failed was sent); concurrent callers in this tab share one request.
 */
export function refreshSession(staleSince: number = Date.now()): Promise<boolean> {
  inFlight ??= refreshAcrossTabs(staleSince)
    .catch(() => false)
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

function sendToLogin(): void {
  const next = `${window.location.pathname}${window.location.search}`;
  // A full navigation on purpose: nothing of the signed-in page's client state survives.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/login?${new URLSearchParams({ next })}`);
}

// Only an auth challenge means "your access token is missing or expired": with the
// cookie gone there is no error code (RFC 6750 §3.1), with a bad one it is invalid_token.
// Other 401s (a wrong current password, say) carry no challenge; they are answers to
// show, not reasons to refresh.
function needsFreshToken(response: Response): boolean {
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  return response.status === 401 && /^Bearer\b/i.test(challenge) && !/error="(?!invalid_token")/.test(challenge);
}

/** fetch() for the app's APIs: on an expired access token it refreshes once and retries. */
export async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const sentAt = Date.now();
  const response = await fetch(input, { credentials: "same-origin", ...init });
  if (!needsFreshToken(response)) return response;
  if (!(await refreshSession(sentAt))) {
    sendToLogin();
    return response;
  }
  return fetch(input, { credentials: "same-origin", ...init });
}
