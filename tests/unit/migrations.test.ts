import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/lib/db/client";
import { applyMigrations, loadMigrations, pendingSchemaChange } from "../../prisma/engine";
import { createPostgresDatabase, DEFAULT_POSTGRES_URL } from "../../prisma/postgres";

const dir = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each provider's migrations are checked against schema.prisma on a real database.
const POSTGRES_SERVER = process.env.TEST_DATABASE_URL?.startsWith("postgres")
  ? process.env.TEST_DATABASE_URL
  : DEFAULT_POSTGRES_URL;

const providers = {
  sqlite: async () => ({ url: `file:${path.join(dir, `${Date.now()}.db`)}`, drop: async () => {} }),
  postgresql: () => createPostgresDatabase(POSTGRES_SERVER, "migrations_test"),
};

describe.each(Object.entries(providers))("%s migrations", (provider, emptyDatabase) => {
  it("match schema.prisma (run `npm run db:migration:new -- <name>` when this fails)", async () => {
    const scratch = await emptyDatabase();
    try {
      expect(await pendingSchemaChange(scratch.url)).toBe("");
    } finally {
      await scratch.drop();
    }
  });

  it("apply once, into Prisma's own history table", async () => {
    const scratch = await emptyDatabase();
    try {
      const { migrationDirectories } = await loadMigrations(provider as "sqlite" | "postgresql");
      expect(await applyMigrations(scratch.url)).toEqual(migrationDirectories.map((m) => m.path));
      expect(await applyMigrations(scratch.url)).toEqual([]);
      const db = createDb(scratch.url);
      const rows = await db.$queryRawUnsafe<{ checksum: string; finished_at: unknown }[]>(
        'SELECT checksum, finished_at FROM "_prisma_migrations"',
      );
      await db.$disconnect();
      expect(rows).toHaveLength(migrationDirectories.length);
      for (const row of rows) {
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(row.finished_at).not.toBeNull();
      }
    } finally {
      await scratch.drop();
    }
  });
});
