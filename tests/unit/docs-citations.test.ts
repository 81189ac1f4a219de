// Comments cite the design documents by path; a citation that points nowhere (a file
// renamed, or one that lives outside the repository) is a broken promise to the reader.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const sources = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => /\.(ts|tsx|mjs|js)$/.test(f) && existsSync(f));

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
