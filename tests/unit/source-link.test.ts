// The home page's file paths: links to the repository that package.json names, or plain
// paths. What must hold: only an https web address ever becomes a link (nothing from a
// git:, ssh:, javascript: or credential-carrying URL reaches an href), the link names the
// file, and the files the page names exist.
import { existsSync } from "node:fs";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { FlowDiagram } from "@/app/flow-diagram";
import { FLOW_STEPS } from "@/app/flow-steps";
import { repositorySourceBase, sourceFileUrl } from "@/lib/source-link";

const BASE = "https://git.example/acme/tokens/blob/main";

describe("repositorySourceBase", () => {
  it.each([
    ["a string", "https://git.example/acme/tokens", BASE],
    ["npm's object form with git+ and .git", { type: "git", url: "git+https://git.example/acme/tokens.git" }, BASE],
    ["a trailing slash", { url: "https://git.example/acme/tokens/" }, BASE],
    [
      "a package in a monorepo",
      { url: "https://git.example/acme/mono.git", directory: "packages/auth/" },
      "https://git.example/acme/mono/blob/main/packages/auth",
    ],
  ])("links %s", (_, repository, expected) => {
    expect(repositorySourceBase({ repository })).toBe(expected);
  });

  it.each([
    ["no repository", {}],
    ["an empty object", { repository: {} }],
    ["a number", { repository: 42 }],
    ["an ssh address", { repository: "git@git.example:acme/tokens.git" }],
    ["a git: address", { repository: { url: "git://git.example/acme/tokens.git" } }],
    ["an ssh: URL", { repository: { url: "git+ssh://git@git.example/acme/tokens.git" } }],
    ["plain http", { repository: "http://git.example/acme/tokens" }],
    ["a script URL", { repository: "javascript:alert(document.cookie)" }],
    ["a data URL", { repository: "data:text/html,<script>alert(1)</script>" }],
    ["a shorthand", { repository: "github:acme/tokens" }],
    ["credentials in the URL", { repository: "https://user:ghp_secret@git.example/acme/tokens.git" }],
    ["a token in the query", { repository: "https://git.example/acme/tokens?token=secret" }],
    ["a host without a project", { repository: "https://git.example/" }],
    ["a directory that climbs out", { repository: { url: "https://git.example/acme/mono", directory: "../other" } }],
  ])("links nothing for %s", (_, manifest) => {
    expect(repositorySourceBase(manifest)).toBeNull();
  });
});

describe("sourceFileUrl", () => {
  it("is null without a repository", () => {
    expect(sourceFileUrl(null, "lib/auth/refresh.ts")).toBeNull();
  });

  it("names the file under the base, each segment escaped", () => {
    expect(sourceFileUrl(BASE, "lib/auth/refresh.ts")).toBe(`${BASE}/lib/auth/refresh.ts`);
    expect(sourceFileUrl(BASE, "app/api/sessions/[id]/route.ts")).toBe(`${BASE}/app/api/sessions/%5Bid%5D/route.ts`);
    expect(sourceFileUrl(BASE, "a b/c#d?.ts")).toBe(`${BASE}/a%20b/c%23d%3F.ts`);
  });
});

describe("the home page's flow diagram", () => {
  const files = [...new Set(FLOW_STEPS.flatMap((step) => step.files))];
  const render = (sourceBase: string | null) => renderToStaticMarkup(createElement(FlowDiagram, { sourceBase }));

  it("names only files that exist", () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((file) => !existsSync(file))).toEqual([]);
  });

  it("links every file to its source when the repository is known", () => {
    const html = render(BASE);
    for (const file of files) expect(html).toContain(`<a href="${BASE}/${file}"><code>${file}</code></a>`);
    const links = html.match(/<a /g) ?? [];
    expect(links).toHaveLength(FLOW_STEPS.reduce((n, step) => n + step.files.length, 0));
  });

  it("shows plain paths, and no links, when it is not", () => {
    const html = render(null);
    expect(html).not.toContain("<a ");
    for (const file of files) expect(html).toContain(`<code>${file}</code>`);
  });
});
