// The edge gate. Optimistic: it checks the access token's signature and claims, never
// the database; pages and APIs that return user data check the session again through
// lib/auth/session/current. Runtime-neutral code (jose + Web Crypto), so moving to Next 16's
// `proxy.ts` (Node.js runtime) is a rename.
//
// It runs for every page and API route (not static files), because every dynamic page
// needs a CSP nonce and every state-changing request a CSRF check; only protected routes
// pay for the token verification. Prerendered pages (lib/http/static-pages.mjs) are left
// out: they carry no nonce, and their CSP lists their inline scripts' hashes instead.
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/config";
import { checkAccessToken } from "@/lib/auth/edge/access";
import { authenticatesByBearer } from "@/lib/auth/edge/bearer";
import { isCrossSiteRequest } from "@/lib/auth/edge/csrf";
import { decisionPageAfterRefresh } from "@/lib/auth/edge/decision-forms";
import { LINK_PAGES, stashLinkToken } from "@/lib/auth/edge/link-token-cookies";
import { jsonError, seeOther, unauthorized } from "@/lib/http/responses";
import { createNonce, HSTS, NO_CONTENT_CSP, pageCsp } from "@/lib/http/security-headers";

// Routes that must work without an access token: signing in and out, refreshing, the
// OAuth token endpoints, health and readiness, metrics (its own bearer token, which the
// route checks). (The consent and device forms under /api/oauth/ are
// the signed-in user's, so they are checked like any API.)
const PUBLIC_API = /^\/api\/(auth\/|oauth\/(token|revoke|device_authorization)$|health(\/ready)?$|metrics$)/;
const ADMIN_API = /^\/api\/admin(\/|$)/;
// The OAuth consent and device pages need a signed-in user too (and a refresh first).
const PROTECTED_PAGE = /^\/(dashboard|oauth\/authorize|device)(\/|$)/;

// Decide on a normalised path, so that /Dashboard, /dashboard%2F… and friends are gated
// too even if some layer in front of the app treats them as the dashboard. Null when
// the path has a malformed escape (%ZZ, a cut-off or non-UTF-8 sequence).
function normalisedPath(pathname: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  return path.toLowerCase().replace(/\/{2,}/g, "/");
}

// The gate's verdict on each request that needed an access token, for the metrics
// (auth_edge_verdicts_total). Why a response header: this code runs in the edge sandbox,
// which cannot import the Node metrics registry (server-only) nor reach the Node
// process's globals, and a call home per request would double the work of every
// navigation. server.mjs sees every response this process sends, the middleware's own
// included: it counts the header and removes it before the answer goes out. Honest with
// several instances: under `npm start` the middleware runs inside the same process as
// the route handlers, so each instance counts the verdicts it gave, the same way it
// counts everything else, and Prometheus sums the instances. (Under plain `next start`
// nothing counts them and the header reaches the client; it says nothing secret.)
const EDGE_VERDICT_HEADER = "x-edge-verdict";
type EdgeVerdict = "allowed" | "refreshed_by_navigation" | "rejected";

function withVerdict(response: NextResponse, verdict: EdgeVerdict): NextResponse {
  response.headers.set(EDGE_VERDICT_HEADER, verdict);
  return response;
}

// DPoP proofs name the public URL (htu), not the one the server was reached by.
const checkAccess = (request: NextRequest) =>
  checkAccessToken(request.headers, request.cookies, {
    method: request.method,
    url: `${getConfig().appOrigin}${request.nextUrl.pathname}`,
  });

// A mailed link (/reset-password?token=…): the token goes into a cookie and the browser
// to the bare page, before anything loads (see lib/auth/edge/link-token-cookies).
function takeLinkTokenOutOfUrl(request: NextRequest, path: string): NextResponse | null {
  const page = LINK_PAGES[path];
  const token = request.nextUrl.searchParams.get("token");
  if (!page || request.method !== "GET" || token === null) return null;
  const response = seeOther(`/${page}`);
  response.headers.set("Referrer-Policy", "no-referrer");
  stashLinkToken(response.cookies, page, token);
  return response;
}

async function gate(request: NextRequest, path: string): Promise<NextResponse> {
  const linkRedirect = takeLinkTokenOutOfUrl(request, path);
  if (linkRedirect) return linkRedirect;
  const isApi = path.startsWith("/api/");
  // A bearer token is no ambient credential: a cross-site page cannot make the browser
  // attach one, so such requests need no CSRF check; but only on the protected APIs,
  // where the bearer is what authenticates (see authenticatesByBearer).
  const bearerAuthenticates =
    isApi && !PUBLIC_API.test(path) && authenticatesByBearer(request.headers, request.cookies);
  if (!bearerAuthenticates && isCrossSiteRequest(request.method, request.headers, getConfig().appOrigin)) {
    return jsonError(403, "csrf_rejected", "Cross-site requests are not allowed.");
  }
  if (isApi) {
    if (PUBLIC_API.test(path)) return NextResponse.next();
    const access = await checkAccess(request);
    if (access.ok) return withVerdict(NextResponse.next(), "allowed");
    // The consent or device form posted from a page left open past the token's lifetime:
    // a navigation cannot follow a 401, so refresh and come back to the same decision.
    const decisionPage = await decisionPageAfterRefresh(request, path);
    if (decisionPage) {
      const refresh = seeOther(`/api/auth/refresh?${new URLSearchParams({ next: decisionPage })}`);
      return withVerdict(refresh, "refreshed_by_navigation");
    }
    // The admin API is not revealed to anyone without a valid session
    // (docs/decisions/0023-administration.md): 404, as its routes answer non-admins.
    if (ADMIN_API.test(path)) return withVerdict(jsonError(404, "not_found", "Not found."), "rejected");
    return withVerdict(unauthorized(undefined, access.challenge), "rejected");
  }
  const protectedPage = PROTECTED_PAGE.test(path);
  if (protectedPage && !(await checkAccess(request)).ok) {
    // Let the refresh route rotate the refresh token and come back here.
    const { pathname, search } = request.nextUrl;
    const refresh = seeOther(`/api/auth/refresh?${new URLSearchParams({ next: `${pathname}${search}` })}`);
    return withVerdict(refresh, "refreshed_by_navigation");
  }
  const nonce = createNonce();
  const csp = pageCsp(nonce, { https: getConfig().secureCookies, development: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return protectedPage ? withVerdict(response, "allowed") : response;
}

export async function middleware(request: NextRequest): Promise<NextResponse> {
  const path = normalisedPath(request.nextUrl.pathname);
  // Class: every dynamic segment is decoded by the router before any handler runs, and a
  // malformed escape there ended in a 500 text/plain. Refused here, once, for every
  // route: a 400 in the JSON error shape.
  const response =
    path === null
      ? jsonError(400, "invalid_request", "The path has a malformed percent escape.")
      : await gate(request, path);
  // Pages got their nonce CSP; JSON, redirects and errors load nothing at all.
  if (!response.headers.has("Content-Security-Policy")) response.headers.set("Content-Security-Policy", NO_CONTENT_CSP);
  if (getConfig().secureCookies) response.headers.set("Strict-Transport-Security", HSTS);
  return response;
}

export const config = {
  // Everything but static files and the static pages of lib/http/static-pages.mjs (the
  // home page is the `$` right after the leading slash), whose CSP next.config.js sets.
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico|robots\\.txt|$|register$|account-deleted$).*)"],
};
