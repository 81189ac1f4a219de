// A fresh, migrated database per test: a SQLite file in a temp directory, or (with
// TEST_DATABASE_URL=postgres://…) a new PostgreSQL database that is dropped afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "../../lib/auth/password";
import { createDb, type Db } from "../../lib/db/client";
import { applyMigrations } from "../../prisma/engine";

export const DEMO = { email: "demo@example.com", password: "demo-password-123" };

export type TestDatabase = { url: string; db: Db; cleanup(): Promise<void> };

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "auth-test-"));
  const url = `file:${path.join(dir, "test.db")}`;
  await applyMigrations(url);
  const db = createDb(url);
  await db.user.create({ data: { email: DEMO.email, passwordHash: await hashPassword(DEMO.password, 4) } });
  return {
    url,
    db,
    async cleanup() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
