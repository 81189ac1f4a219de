import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, loadMigrations, pendingSchemaChange } from "../../prisma/engine";

const dir = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("match schema.prisma (run `npm run db:migration:new -- <name>` when this fails)", async () => {
    expect(await pendingSchemaChange("file::memory:")).toBe("");
  });

  it("apply once, into Prisma's own history table", async () => {
    const url = `file:${path.join(dir, "m.db")}`;
    const { migrationDirectories } = await loadMigrations("sqlite");
    expect(await applyMigrations(url)).toEqual(migrationDirectories.map((m) => m.path));
    expect(await applyMigrations(url)).toEqual([]);
    const db = new Database(url.slice("file:".length));
    const rows = db.prepare("SELECT migration_name, checksum, finished_at FROM _prisma_migrations").all() as {
      checksum: string;
      finished_at: string | null;
    }[];
    db.close();
    expect(rows).toHaveLength(migrationDirectories.length);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
    }
  });
});
