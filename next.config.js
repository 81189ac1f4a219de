// Headers that are the same on every response, static files included. Per-request ones
// (the page CSP with its nonce, HSTS when APP_URL is https) are set by middleware.ts.
const SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Native and Wasm modules are loaded by Node at run time, not bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "pg",
    "rate-limiter-flexible",
    "nodemailer",
  ],
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY_HEADERS },
      // Pages that handle a mailed link's token send no Referer at all (the later rule wins).
      ...["/reset-password", "/verify-email"].map((source) => ({
        source,
        headers: [{ key: "Referrer-Policy", value: "no-referrer" }],
      })),
    ];
  },
};

export default nextConfig;
