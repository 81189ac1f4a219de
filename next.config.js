import { STATIC_PAGES, staticPageCsp } from "./lib/http/static-pages.mjs";

// Headers that are the same on every response, static files included. Per-request ones
// (the page CSP with its nonce, HSTS when APP_URL is https) are set by middleware.ts.
const SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

// What the middleware sets on everything it runs for; here for the paths it does not run
// on (static files, favicon, robots.txt), so that no response, a 404 page under those
// paths included, goes out without a CSP. Same value as NO_CONTENT_CSP in
// lib/http/security-headers.ts: nothing may load, frame or submit from these responses.
const STATIC_CSP = [
  {
    key: "Content-Security-Policy",
    value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  },
];

// The static pages (lib/http/static-pages.mjs) are left out of the middleware's matcher, so
// their CSP comes from here. Written with no script hashes: the build step
// (scripts/static-csp.mjs, also run by server.mjs at start) replaces it in
// .next/routes-manifest.json with the one that lists the prerendered HTML's inline
// scripts. HSTS, which the middleware adds when APP_URL is https, is decided here from
// APP_URL at build time.
const STATIC_PAGE_HEADERS = [
  {
    key: "Content-Security-Policy",
    value: staticPageCsp([], { development: process.env.NODE_ENV === "development" }),
  },
  ...(process.env.APP_URL?.startsWith("https:")
    ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
    : []),
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // The dev server's floating Next.js badge sits over the dashboard and ends up in the
  // demo's screenshots; build errors still show in the overlay.
  devIndicators: false,
  // Native and Wasm modules are loaded by Node at run time, not bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "pg",
    "rate-limiter-flexible",
    "nodemailer",
  ],
  experimental: {
    // How much of a body Next.js buffers for the middleware (default 10 MB). server.mjs
    // refuses larger bodies before this matters; under plain `next start` this keeps the
    // per-request buffer small. Same figure as server.mjs's cap.
    proxyClientMaxBodySize: 64 * 1024,
  },
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY_HEADERS },
      // The paths excluded from the middleware's matcher (middleware.ts).
      { source: "/_next/static/:path*", headers: STATIC_CSP },
      { source: "/_next/image", headers: STATIC_CSP },
      { source: "/favicon.ico", headers: STATIC_CSP },
      { source: "/robots.txt", headers: STATIC_CSP },
      ...Object.keys(STATIC_PAGES).map((source) => ({ source, headers: STATIC_PAGE_HEADERS })),
      // Pages that handle a mailed link's token send no Referer at all (the later rule wins).
      ...["/reset-password", "/verify-email", "/confirm-email-change"].map((source) => ({
        source,
        headers: [{ key: "Referrer-Policy", value: "no-referrer" }],
      })),
    ];
  },
};

export default nextConfig;
