// The edge gate. Optimistic: it checks the access token's signature and claims, never
// the database; pages and APIs that return user data check the session again through
// lib/auth/session. Runtime-neutral code (jose + Web Crypto), so moving to Next 16's
// `proxy.ts` (Node.js runtime) is a rename.
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/config";
import { readAuthCookies } from "@/lib/auth/cookies";
import { isCrossSiteRequest } from "@/lib/auth/csrf";
import { verifyAccessToken } from "@/lib/auth/tokens";
import { jsonError, seeOther, unauthorized } from "@/lib/http/responses";

// Routes that must work without an access token: signing in and out, refreshing, health.
function isPublicApi(pathname: string): boolean {
  return pathname.startsWith("/api/auth/") || pathname === "/api/health";
}

export async function middleware(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  if (isCrossSiteRequest(request.method, request.headers, getConfig().appOrigin)) {
    return jsonError(403, "csrf_rejected", "Cross-site requests are not allowed.");
  }
  if (isPublicApi(pathname)) return NextResponse.next();

  const { accessToken } = readAuthCookies(request.cookies);
  if (accessToken && (await verifyAccessToken(accessToken))) return NextResponse.next();

  if (pathname.startsWith("/api/")) return unauthorized();
  // A page: let the refresh route rotate the refresh token and come back here.
  return seeOther(`/api/auth/refresh?${new URLSearchParams({ next: `${pathname}${search}` })}`);
}

export const config = {
  // Public pages and static assets never run the gate.
  matcher: ["/dashboard", "/dashboard/:path*", "/api/:path*"],
};
