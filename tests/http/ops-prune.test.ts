// The server prunes by itself (instrumentation.ts → lib/ops/scheduled-prune.ts) every
// PRUNE_INTERVAL_SECONDS: dead rows go without anyone running `npm run db:prune`, live
// ones stay. (What exactly is dead is tested table by table in tests/unit/prune.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSession } from "@/lib/auth/session/lifecycle";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ PRUNE_INTERVAL_SECONDS: "1" });
});
afterAll(() => server?.stop());

const DAY = 86_400_000;
const client = { ip: null, userAgent: "vitest" };

it("deletes expired rows on its own and keeps live ones", async () => {
  const db = server.db;
  const { id: userId } = await db.user.findFirstOrThrow();
  const now = Date.now();
  const ended = await startSession(db, userId, client, new Date(now - 10 * DAY));
  const live = await startSession(db, userId, client, new Date(now - DAY));
  await db.dpopProofJti.createMany({
    data: [
      { id: "dead", expiresAt: new Date(now - 1000) },
      { id: "live", expiresAt: new Date(now + 60_000) },
    ],
  });
  await db.authEvent.createMany({
    data: [
      { type: "login_succeeded", createdAt: new Date(now - 100 * DAY) },
      { type: "login_succeeded", createdAt: new Date(now - DAY) },
    ],
  });

  // Rows written between two runs may be split over them: wait until all are gone.
  const pruned = async () =>
    (await db.session.count({ where: { id: ended.sessionId } })) === 0 &&
    (await db.dpopProofJti.count({ where: { id: "dead" } })) === 0 &&
    (await db.authEvent.count({ where: { createdAt: { lt: new Date(now - 90 * DAY) } } })) === 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !(await pruned())) await new Promise((r) => setTimeout(r, 250));
  expect(await db.session.findUnique({ where: { id: ended.sessionId } })).toBeNull();
  expect(await db.refreshToken.count({ where: { sessionId: ended.sessionId } })).toBe(0);
  expect(await db.session.findUnique({ where: { id: live.sessionId } })).not.toBeNull();
  const jtis = await db.dpopProofJti.findMany({ select: { id: true } });
  expect(jtis.map((j) => j.id)).toEqual(["live"]);
  expect(await db.authEvent.count({ where: { createdAt: { lt: new Date(now - 90 * DAY) } } })).toBe(0);
  expect(await db.authEvent.count({ where: { createdAt: { gt: new Date(now - 2 * DAY) } } })).toBeGreaterThan(0);
  // The line is written once the run ends, which may be a moment after its deletes show.
  await expect.poll(() => server.logs()).toMatch(/prune: deleted .*1 sessions/);
});
