// After `next build` (npm run build runs it; server.mjs runs it too at start, so a bare
// `next build` is covered): puts the SHA-256 of the static pages' inline scripts into
// their CSP in .next/routes-manifest.json. See lib/http/static-pages.mjs.
import { applyStaticPageCsp } from "../lib/http/static-pages.mjs";

const distDir = process.argv[2] ?? ".next";
for (const [page, count] of Object.entries(applyStaticPageCsp(distDir))) {
  console.log(`Static page CSP: ${page} allows ${count} inline script hash${count === 1 ? "" : "es"}.`);
}
