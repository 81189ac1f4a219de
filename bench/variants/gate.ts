// The bench's request gate, copied into the bench's temporary build of the app and never
// into the app itself (a production middleware carries no benchmark switch). The build
// step (bench/harness/variants.ts) moves the app's middleware.ts to app-middleware.ts
// and writes a middleware.ts (edge) or proxy.ts (Node.js) that calls createBenchGate
// with it and repeats the app's matcher, each entry skipped for requests that carry
// BENCH_NO_MIDDLEWARE_HEADER (./header.ts: the "no middleware at all" baseline).
//
// Same trivial page, four gates, one server:
//   /bench/pass     the middleware returns next() at once (the runtime invocation alone)
//   /bench/authjs   Auth.js v4 `withAuth`: its JWE session cookie decrypted and checked
//   anything else   the app's own middleware, unchanged
import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";

type Gate = (request: NextRequest) => Promise<NextResponse> | NextResponse;

export function createBenchGate(appGate: Gate) {
  // Auth.js reads NEXTAUTH_SECRET and NEXTAUTH_URL from the environment, as an app using
  // it would; the bench sets both and signs the session cookie with next-auth/jwt.
  const authjs = withAuth({ pages: { signIn: "/login" } });
  return async function benchGate(request: NextRequest, event: NextFetchEvent) {
    const { pathname } = request.nextUrl;
    if (pathname === "/bench/pass") return NextResponse.next();
    if (pathname === "/bench/authjs")
      return (await authjs(request as NextRequestWithAuth, event)) ?? NextResponse.next();
    return appGate(request);
  };
}
