// Why the browser asks for a refresh, sent with POST /api/auth/refresh so the session's
// rotation history can say how each generation was used. Shared by the fetch wrapper and
// the route; it only labels the request, it never changes what the route does.
export const REFRESH_REASON_HEADER = "X-Refresh-Reason";

export const BROWSER_REFRESH_REASONS = ["in_page_401", "proactive", "navigation"] as const;
export type BrowserRefreshReason = (typeof BROWSER_REFRESH_REASONS)[number];
