// The static pages' CSP (lib/http/static-pages.mjs) is the nonce CSP of
// lib/http/security-headers.ts with hashes in place of the nonce: nothing else differs.
import { describe, expect, it } from "vitest";
import { pageCsp } from "@/lib/http/security-headers";
import { inlineScripts, sha256Source, staticPageCsp } from "@/lib/http/static-pages.mjs";

const directives = (csp: string) => new Map(csp.split("; ").map((d) => [d.split(" ")[0]!, d] as const));

describe("static page CSP", () => {
  it.each([false, true])("matches the nonce CSP but for script-src (development: %s)", (development) => {
    const hashed = directives(staticPageCsp(["sha256-abc="], { development }));
    const nonced = directives(pageCsp("n0nce", { https: false, development }));
    for (const map of [hashed, nonced]) map.delete("script-src");
    expect(hashed).toEqual(nonced);
  });

  it("allows the page's own files and exactly the listed hashes, never inline script in production", () => {
    const csp = staticPageCsp(["sha256-abc=", "sha256-def="]);
    expect(directives(csp).get("script-src")).toBe("script-src 'self' 'sha256-abc=' 'sha256-def='");
    expect(staticPageCsp([])).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe|nonce|strict-dynamic/);
  });

  it("hashes the inline scripts of a document, skipping external scripts and data blocks", () => {
    const html = `<script src="/a.js"></script><script>one()</script><script id="x">two()</script>
      <script type="application/json">{"not":"run"}</script><script type="module">three()</script>`;
    expect(inlineScripts(html)).toEqual(["one()", "two()", "three()"]);
    // The CSP hash of a script is the base64 SHA-256 of its text exactly.
    expect(sha256Source("one()")).toBe("sha256-HR7iaask9daLMRRskMI++QeJtjWDOjyPA6lGzYGzKW4=");
  });
});
