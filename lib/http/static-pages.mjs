// Pages whose HTML does not depend on the request: prerendered by `next build`, served
// without the middleware (its matcher in middleware.ts leaves exactly these paths out),
// and so without a per-request nonce. Their CSP is set from next.config.js headers() and
// allows, besides same-origin script files, exactly the inline scripts of the
// prerendered HTML, by their SHA-256 (docs/decisions/0018-static-page-csp.md).
//
// Plain JavaScript because next.config.js and server.mjs import it (no TypeScript there).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Each static page's path → its prerendered HTML under .next/server/app/. */
export const STATIC_PAGES = {
  "/": "index.html",
  "/register": "register.html",
  "/account-deleted": "account-deleted.html",
};

/**
 * The page CSP of lib/http/security-headers.ts (pageCsp), with the inline scripts'
 * hashes in place of the nonce. No 'strict-dynamic': it would disallow the HTML's own
 * <script src> tags, which carry no nonce; 'self' allows them. With no hashes (before
 * the build step ran) no inline script runs at all: strict, but the page does not hydrate.
 */
export function staticPageCsp(scriptHashes, { development = false } = {}) {
  // `next dev` renders these pages per request, with scripts that change on every edit
  // and no build step to hash them: there (only there) inline scripts are allowed, with
  // 'unsafe-eval' and inline styles as the nonce CSP allows them in development.
  const scriptSrc = development
    ? ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
    : ["'self'", ...scriptHashes.map((hash) => `'${hash}'`)];
  return [
    "default-src 'self'",
    `script-src ${scriptSrc.join(" ")}`,
    `style-src 'self'${development ? " 'unsafe-inline'" : ""}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The bodies of the inline <script> elements of an HTML document, as written. */
export function inlineScripts(html) {
  const scripts = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes, body] = match;
    if (/\bsrc\s*=/i.test(attributes ?? "")) continue;
    // JSON data blocks are not run, and a CSP does not apply to them.
    const type = /\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attributes ?? "")?.[1]?.toLowerCase();
    if (type && type !== "text/javascript" && type !== "module" && type !== "application/javascript") continue;
    scripts.push(body ?? "");
  }
  return scripts;
}

export const sha256Source = (script) => `sha256-${createHash("sha256").update(script, "utf8").digest("base64")}`;

/**
 * After `next build`: puts the hashes of each static page's inline scripts into the CSP
 * that next.config.js headers() gave it in .next/routes-manifest.json (which `next start`
 * serves headers from). Idempotent; throws when a listed page was not prerendered (it
 * would be served without middleware and without nonce). Returns what it did, per page.
 */
export function applyStaticPageCsp(distDir = ".next") {
  const manifestPath = path.join(distDir, "routes-manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  // The other way round: a prerendered page that is not listed would run the middleware,
  // get a nonce CSP, and its HTML, made at build time, would carry no such nonce.
  const prerendered = Object.keys(
    JSON.parse(readFileSync(path.join(distDir, "prerender-manifest.json"), "utf8")).routes,
  );
  for (const route of prerendered) {
    const html = path.join(distDir, "server", "app", `${route === "/" ? "/index" : route}.html`);
    if (!route.startsWith("/_") && existsSync(html) && !(route in STATIC_PAGES)) {
      throw new Error(
        `${route} is prerendered but not listed in lib/http/static-pages.mjs (nor left out of the middleware)`,
      );
    }
  }
  const report = {};
  for (const [page, file] of Object.entries(STATIC_PAGES)) {
    const htmlPath = path.join(distDir, "server", "app", file);
    if (!existsSync(htmlPath)) {
      throw new Error(`${page} is listed in lib/http/static-pages.mjs but ${htmlPath} is missing: was it prerendered?`);
    }
    const hashes = [...new Set(inlineScripts(readFileSync(htmlPath, "utf8")).map(sha256Source))].sort();
    const header = manifest.headers
      .filter((rule) => rule.source === page)
      .flatMap((rule) => rule.headers)
      .find((h) => h.key.toLowerCase() === "content-security-policy");
    if (!header) throw new Error(`next.config.js headers() sets no Content-Security-Policy for ${page}`);
    header.value = staticPageCsp(hashes);
    report[page] = hashes.length;
  }
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (text !== readFileSync(manifestPath, "utf8")) {
    // Atomically: two servers starting from one build at once both write the same text.
    const temporary = `${manifestPath}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, manifestPath);
  }
  return report;
}
