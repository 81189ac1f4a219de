// A fresh, migrated database per test, with the demo user in it: a SQLite file in a temp
// directory, or, when TEST_DATABASE_URL names a PostgreSQL server, a new database there
// that is dropped afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "../../lib/auth/password";
import { providerOf } from "../../lib/db/adapter";
import { createDb, type Db } from "../../lib/db/client";
import { applyMigrations } from "../../prisma/engine";
import { DEMO_USER } from "../../prisma/demo-user";
import { createPostgresDatabase } from "../../prisma/postgres";

export const DEMO = DEMO_USER;

export type TestDatabase = { url: string; db: Db; demoUserId: string; cleanup(): Promise<void> };

export const testProvider = (): "sqlite" | "postgresql" =>
  process.env.TEST_DATABASE_URL ? providerOf(process.env.TEST_DATABASE_URL) : "sqlite";

/**
 * A new empty database. On SQLite, `sqliteDir` puts the file in a directory of the
 * caller's (a small file system, say), which it then removes itself.
 */
async function emptyDatabase(sqliteDir?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  if (server && providerOf(server) === "postgresql") return createPostgresDatabase(server);
  const dir = sqliteDir ?? mkdtempSync(path.join(os.tmpdir(), "auth-test-"));
  const file = path.join(dir, "test.db");
  const drop = sqliteDir
    ? async () => {
        for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
      }
    : async () => rmSync(dir, { recursive: true, force: true });
  return { url: `file:${file}`, drop };
}

export async function createTestDatabase(options: { sqliteDir?: string } = {}): Promise<TestDatabase> {
  const { url, drop } = await emptyDatabase(options.sqliteDir);
  await applyMigrations(url);
  const db = createDb(url);
  const demo = await db.user.create({
    data: { email: DEMO.email, passwordHash: await hashPassword(DEMO.password, 4), emailVerifiedAt: new Date() },
  });
  return {
    url,
    db,
    demoUserId: demo.id,
    async cleanup() {
      await db.$disconnect();
      await drop();
    },
  };
}

/**
 * Every row a request could write, for "refused, and nothing was written" checks:
 * compare the state before and after. Audit events are counted, not compared row by row.
 */
export async function databaseState(db: Db): Promise<Record<string, unknown>> {
  const [users, sessions, tokens, events] = await Promise.all([
    db.user.findMany({ orderBy: { id: "asc" }, select: { id: true, email: true, passwordHash: true } }),
    db.session.findMany({
      orderBy: { id: "asc" },
      select: { id: true, revokedAt: true, lastUsedAt: true, idleExpiresAt: true },
    }),
    db.refreshToken.findMany({ orderBy: { id: "asc" }, select: { id: true, usedAt: true } }),
    db.authEvent.count(),
  ]);
  return { users, sessions, tokens, events };
}
