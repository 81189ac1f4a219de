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

async function refreshAcrossTabs(): Promise<boolean> {
  if (!("locks" in navigator)) return postRefresh();
  const waitingSince = Date.now();
  return navigator.locks.request(LOCK_NAME, async () => {
    // While this tab waited for the lock another tab may have rotated the token; its
    // new cookies are ours too, and a second rotation would be wasted.
    const refreshedAt = Number(localStorage.getItem(REFRESHED_AT_KEY) ?? 0);
    if (refreshedAt >= waitingSince) return true;
    return postRefresh();
  });
}

let inFlight: Promise<boolean> | null = null;

/** Rotates the refresh token; concurrent callers in this tab share one request. */
export function refreshSession(): Promise<boolean> {
  inFlight ??= refreshAcrossTabs()
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

// Only this challenge means "your access token is missing or expired". Other 401s (a
// wrong current password, say) are answers to show, not reasons to refresh.
function needsFreshToken(response: Response): boolean {
  return response.status === 401 && /error="invalid_token"/.test(response.headers.get("WWW-Authenticate") ?? "");
}

/** fetch() for the app's APIs: on an expired access token it refreshes once and retries. */
export async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, { credentials: "same-origin", ...init });
  if (!needsFreshToken(response)) return response;
  if (!(await refreshSession())) {
    sendToLogin();
    return response;
  }
  return fetch(input, { credentials: "same-origin", ...init });
}
