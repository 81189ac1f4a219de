// Cross-site request check for state-changing requests. Edge-safe.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * True when a browser sent this state-changing request from another origin. Browsers
 * send Origin on every cross-origin POST/PUT/PATCH/DELETE (and Sec-Fetch-Site on all
 * requests); a request with neither did not come from a page, so it carries no
 * ambient credentials an attacker could borrow.
 */
export function isCrossSiteRequest(method: string, headers: Headers, appOrigin: string): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const origin = headers.get("origin");
  if (origin !== null) return origin !== appOrigin;
  const site = headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin" && site !== "none";
  return false;
}
