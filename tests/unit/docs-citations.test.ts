// Comments cite the design documents by path, and the documents cite code and each other;
// a citation that points nowhere (a file renamed, or one that lives outside the repository)
// is a broken promise to the reader. The README is the newcomer's one screen: short, with
// every document one click away, a configuration table that names every variable the app
// reads, and an HTTP contract with a row for every route.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repoFiles = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f && existsSync(f));

const sources = repoFiles.filter((f) => /\.(ts|tsx|mjs|js)$/.test(f));
const documents = ["README.md", ...repoFiles.filter((f) => /^(docs|bench)\/.*\.md$/.test(f))];
const readme = readFileSync("README.md", "utf8");

const README_MAX_LINES = 200;

// Paths that exist only once the project has run (the SQLite file, the generated Prisma
// client, test output) are ignored by git; citing them is fine.
function isIgnored(file: string): boolean {
  try {
    execFileSync("git", ["check-ignore", "-q", "--no-index", file]);
    return true;
  } catch {
    return false;
  }
}

/** `*` in a cited path stands for any run of characters within one path segment. */
function resolves(cited: string): boolean {
  const target = cited.replace(/\/$/, "");
  // A directory that does not exist yet matches an ignore rule only with its slash.
  if (!target.includes("*")) return existsSync(target) || isIgnored(target) || isIgnored(`${target}/`);
  const pattern = new RegExp(`^${target.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`);
  return repoFiles.some((f) => pattern.test(f));
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
function anchors(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} +(.+)$/gm)) {
    slugs.add(
      heading!
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return slugs;
}

/** Text outside fenced code blocks, where links and citations live. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, "");

const TOP_LEVEL = new Set(repoFiles.map((f) => f.split("/")[0]));

describe("design citations in the code", () => {
  it("cite only docs/ files that exist", () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const [, cited] of readFileSync(file, "utf8").matchAll(/\b(docs\/[\w./-]*\w)/g)) {
        if (cited && !existsSync(cited)) missing.push(`${file}: ${cited}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("never cite a design file outside the repository", () => {
    const outside = sources.filter((file) => /\bdesign\.md\b|\.\.\/shared\//.test(readFileSync(file, "utf8")));
    expect(outside).toEqual([]);
  });
});

describe("the README and docs/", () => {
  it("check every file in docs/", () => {
    const markdownInDocs = repoFiles.filter((f) => f.startsWith("docs/") && f.endsWith(".md"));
    expect(markdownInDocs.length).toBeGreaterThan(10);
    expect(markdownInDocs.filter((f) => !documents.includes(f))).toEqual([]);
  });

  it("link only to files, directories and headings that exist", () => {
    const broken: string[] = [];
    for (const doc of documents) {
      for (const [, target] of prose(readFileSync(doc, "utf8")).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (!target || /^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
        const [file = "", anchor] = target.split("#");
        const resolved = file ? path.normalize(path.join(path.dirname(doc), file)) : doc;
        if (!existsSync(resolved)) {
          broken.push(`${doc}: ${target}`);
          continue;
        }
        if (anchor && statSync(resolved).isFile() && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${doc}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("cite only repository paths that exist", () => {
    const missing: string[] = [];
    for (const doc of documents) {
      const text = prose(readFileSync(doc, "utf8"));
      const cited = [
        // `lib/auth/refresh.ts`, `tests/http/security-*.test.ts`, `prisma/migrations-postgresql/`
        ...[...text.matchAll(/`([\w.*-]+(?:\/[\w.*[\]-]+)+\/?)`/g)].map((m) => m[1]!),
        // plain-text citations, as in the code: docs/decisions/0014-sqlite-hot-path.md
        ...[...text.matchAll(/(?<![\w/.])(docs\/[\w./-]*\w)/g)].map((m) => m[1]!),
      ];
      for (const file of cited) {
        if (TOP_LEVEL.has(file.split("/")[0]!) && !resolves(file)) missing.push(`${doc}: ${file}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it(`keep the README at most ${README_MAX_LINES} lines`, () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("link every document in docs/ from the README, one click away", () => {
    const linked = new Set(
      [...prose(readme).matchAll(/\]\(([^)#\s]+)/g)].map((m) => path.normalize(m[1]!).replace(/\/$/, "")),
    );
    const topLevelDocs = repoFiles.filter((f) => /^docs\/[^/]+\.md$/.test(f));
    expect(topLevelDocs.filter((f) => !linked.has(f))).toEqual([]);
    expect(linked).toContain("docs/decisions");
  });

  it("name every environment variable the app reads in the README's configuration table", () => {
    const configSection = readme.split(/^## /m).find((s) => s.startsWith("Configuration")) ?? "";
    const tableVariables = new Set(
      [...configSection.matchAll(/^\|[^|]*\|/gm)].flatMap((m) => m[0].match(/[A-Z][A-Z0-9_]+/g) ?? []),
    );

    const schema = readFileSync("lib/config.ts", "utf8").match(/const EnvSchema = z\.object\(\{([\s\S]*?)\n\}\);/)?.[1];
    expect(schema).toBeDefined();
    const read = new Set([...schema!.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
    const appCode = sources.filter(
      (f) => /^(lib|app)\//.test(f) || /^(middleware\.ts|server\.mjs|instrumentation\.ts|next\.config\.js)$/.test(f),
    );
    for (const file of appCode) {
      const code = readFileSync(file, "utf8");
      for (const [, name] of code.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) read.add(name!);
      for (const [, names] of code.matchAll(/\{([^}]*)\}\s*=\s*process\.env\b/g)) {
        for (const [, name] of names!.matchAll(/\b([A-Z][A-Z0-9_]+)\b\s*(?::|,|$)/g)) read.add(name!);
      }
    }
    // Set by the runtime or by server.mjs itself, never by whoever runs the app.
    for (const internal of ["NODE_ENV", "NEXT_RUNTIME", "NEXT_TELEMETRY_DISABLED", "SOCKET_ADDRESS_HEADER"]) {
      read.delete(internal);
    }
    expect(read.size).toBeGreaterThan(25);
    expect([...read].filter((name) => !tableVariables.has(name)).sort()).toEqual([]);
  });

  it("give every route handler its row in the HTTP contract", () => {
    const contract = readFileSync("docs/http-contract.md", "utf8");
    const rows = [...contract.matchAll(/^\| *`([A-Z]+ [^`]+)`/gm)].map((m) => m[1]!);
    const missing: string[] = [];
    for (const file of repoFiles.filter((f) => /^app\/.*\/route\.ts$/.test(f))) {
      const route = file
        .replace(/^app/, "")
        .replace(/\/route\.ts$/, "")
        .replace(/\/\([^)]+\)/g, "") // route groups
        .replace(/\[(\w+)\]/g, "{$1}");
      if (route.includes("[...")) continue; // catch-alls are described by the row they fall back from
      const methods = [
        ...readFileSync(file, "utf8").matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g),
      ];
      for (const [, method] of methods) {
        const documented = rows.some((row) => row === `${method} ${route}` || row.startsWith(`${method} ${route}?`));
        if (!documented) missing.push(`${method} ${route} (${file})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
