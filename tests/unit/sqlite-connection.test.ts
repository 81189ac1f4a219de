// The refresh hot path on SQLite bypasses Prisma on Prisma's own connection
// (lib/db/sqlite-connection.ts, docs/decisions/0014-sqlite-hot-path.md). What it must
// not break: the DateTime format Prisma reads and compares, and the isolation from a
// Prisma transaction that is open on the same connection.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rotateRefreshToken } from "@/lib/auth/refresh";
import { startSession } from "@/lib/auth/session/lifecycle";
import { createTestDatabase, DEMO, testProvider, type TestDatabase } from "../support/database";

const client = { ip: "127.0.0.1", userAgent: "vitest" };

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

describe.skipIf(testProvider() !== "sqlite")("the SQLite hot path", () => {
  it("writes DateTime columns byte for byte as Prisma does, so SQL comparisons of them stay right", async () => {
    const now = new Date("2026-11-27T12:34:56.789Z");
    const session = await startSession(t.db, t.demoUserId, client, now);
    await rotateRefreshToken(t.db, session.refreshToken, client, now);
    // As stored (text), not as Prisma maps a DateTime column on the way out.
    const rows = await t.db.$queryRaw<Array<{ prisma: string; direct: string; via: string }>>`
      SELECT CAST(p."createdAt" AS TEXT) AS prisma, CAST(c."createdAt" AS TEXT) AS direct,
        CAST(p."usedAt" AS TEXT) AS via
      FROM "RefreshToken" AS p JOIN "RefreshToken" AS c ON c."parentId" = p."id"`;
    expect(rows).toHaveLength(1);
    // Prisma wrote the parent; the hot path wrote the child and the parent's usedAt.
    expect(rows[0]!.prisma).toMatch(/^2026-11-27T12:34:56\.789/);
    expect(rows[0]!.direct).toBe(rows[0]!.prisma);
    expect(rows[0]!.via).toBe(rows[0]!.prisma);
  });

  it("waits for a Prisma transaction open on the connection instead of joining it (and its rollback)", async () => {
    const session = await startSession(t.db, t.demoUserId, client);
    let rotation: ReturnType<typeof rotateRefreshToken> | undefined;
    let settledInside = false;
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: t.demoUserId }, data: { email: "changed@example.com" } });
        rotation = rotateRefreshToken(t.db, session.refreshToken, client);
        void rotation.then(() => (settledInside = true));
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(settledInside).toBe(false);

    const result = await rotation!;
    expect(result).toMatchObject({ ok: true, kind: "rotated" });
    // The rollback undid the transaction's own write, not the rotation.
    expect(await t.db.user.count({ where: { email: DEMO.email } })).toBe(1);
    expect(await t.db.refreshToken.count({ where: { sessionId: session.sessionId } })).toBe(2);
  });

  it("opens Prisma's connection itself when the hot path is the first query", async () => {
    const session = await startSession(t.db, t.demoUserId, client);
    await t.db.$disconnect();
    expect(await rotateRefreshToken(t.db, session.refreshToken, client)).toMatchObject({ ok: true });
  });
});
