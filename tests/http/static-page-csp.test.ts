// Pages left out of the middleware's matcher get no nonce: their CSP must list the
// SHA-256 of every inline script they are served with (lib/http/static-pages.mjs), and
// every other page must carry its response's nonce on every script. By class: the pages
// come from the build's route list and the matcher from the built middleware manifest,
// so a page excluded tomorrow is checked too.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATIC_PAGES } from "@/lib/http/static-pages.mjs";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

// Every page of the app without dynamic segments (route handlers and Next's own excluded).
const pages = Object.entries(readJson<Record<string, string>>(".next/app-path-routes-manifest.json"))
  .filter(([entry, route]) => entry.endsWith("/page") && !route.startsWith("/_") && !route.includes("["))
  .map(([, route]) => route);

const matchers = readJson<{ middleware: Record<string, { matchers: Array<{ regexp: string }> }> }>(
  ".next/server/middleware-manifest.json",
).middleware["/"]!.matchers.map((m) => new RegExp(m.regexp));
const runsMiddleware = (path: string) => matchers.some((m) => m.test(path));
const excluded = pages.filter((path) => !runsMiddleware(path));

/** Each <script> of the document: its attributes and, for inline ones, its body. */
function scripts(html: string) {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map(([, attributes = "", body = ""]) => ({
    attributes,
    inline: !/\bsrc\s*=/i.test(attributes),
    body,
  }));
}

const scriptSrc = (csp: string) =>
  csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith("script-src "))!
    .split(/\s+/)
    .slice(1);

it("the matcher leaves out the static pages, and only pages", () => {
  expect(pages.length).toBeGreaterThan(5);
  expect(excluded).toContain("/");
  // The gate still runs for the pages that need it.
  for (const path of ["/login", "/dashboard", "/dashboard/sessions", "/reset-password", "/api/me", "/Dashboard"])
    expect(runsMiddleware(path), path).toBe(true);
});

describe.each(excluded)("static page %s", (path) => {
  it("is allowed exactly the inline scripts it is served with, by hash, and nothing inline else", async () => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("'nonce-");
    const allowed = scriptSrc(csp);
    const html = await response.text();
    const inline = scripts(html).filter((s) => s.inline);
    expect(inline.length).toBeGreaterThan(0);
    const hashes = inline.map((s) => `'sha256-${createHash("sha256").update(s.body, "utf8").digest("base64")}'`);
    // Should a hash be missing, say whether the page was served from its prerendered file.
    const file = `.next/server/app/${STATIC_PAGES[path as keyof typeof STATIC_PAGES]}`;
    const servedFrom = `x-nextjs-cache: ${response.headers.get("x-nextjs-cache")}, body ${
      html === readFileSync(file, "utf8") ? "equals" : "differs from"
    } ${file}`;
    for (const hash of hashes) expect(allowed, servedFrom).toContain(hash);
    // No hash of anything the page does not contain.
    expect(allowed.filter((source) => source.startsWith("'sha256-")).sort()).toEqual([...new Set(hashes)].sort());
  });
});

describe.each(pages.filter((path) => !excluded.includes(path)))("page %s (through the middleware)", (path) => {
  it("carries this response's nonce on every script", async () => {
    const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).not.toContain("unsafe-inline");
    // Redirects (protected pages without a session) and 404s (the mailbox outside
    // development) load nothing; pages must use the nonce.
    if (response.status !== 200) return;
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    for (const script of scripts(await response.text())) expect(script.attributes).toContain(`nonce="${nonce}"`);
  });
});
