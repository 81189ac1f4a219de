// Per-response security headers that depend on the request or on APP_URL: the page CSP
// (with a fresh nonce) and HSTS. The fixed ones are in next.config.js. Edge-safe.

/** For responses that are not pages (JSON, redirects): nothing may load or frame them. */
export const NO_CONTENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Strict CSP for pages: scripts only with this response's nonce (Next.js puts it on its
 * own scripts when it finds it in the request's CSP header), and what they load
 * ('strict-dynamic'). Development adds 'unsafe-eval' for React's dev tooling and inline
 * styles, which is how `next dev` injects CSS.
 */
export function pageCsp(nonce: string, options: { https: boolean; development: boolean }): string {
  const scriptSrc = [
    "'self'",
    `'nonce-${nonce}'`,
    "'strict-dynamic'",
    ...(options.development ? ["'unsafe-eval'"] : []),
  ];
  return [
    "default-src 'self'",
    `script-src ${scriptSrc.join(" ")}`,
    `style-src 'self'${options.development ? " 'unsafe-inline'" : ""}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

// Two years, subdomains included: the cookie prefixes assume the whole site is https.
export const HSTS = "max-age=63072000; includeSubDomains";
