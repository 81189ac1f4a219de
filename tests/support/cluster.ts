// Two app instances on one fresh PostgreSQL database, as behind a load balancer: the
// set-up every cluster test shares.
import type { Db } from "../../lib/db/client";
import { createTestDatabase, testProvider, type TestDatabase } from "./database";
import { startServer, type TestServer } from "./server";

export type Instances = { database: TestDatabase; a: TestServer; b: TestServer; stop(): Promise<void> };

export async function startInstances(
  env: Record<string, string>,
  options: { beforeStart?: (db: Db) => Promise<void> } = {},
): Promise<Instances> {
  if (testProvider() !== "postgresql") throw new Error("the cluster tests need TEST_DATABASE_URL=postgres://…");
  const database = await createTestDatabase();
  const servers: TestServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database.cleanup();
  };
  try {
    await options.beforeStart?.(database.db);
    // Settled, not Promise.all: when one instance fails to start, the other is still
    // stopped (and the database dropped) before the error goes up.
    const started = await Promise.allSettled([startServer(env, { database }), startServer(env, { database })]);
    for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
    for (const s of started) if (s.status === "rejected") throw s.reason;
  } catch (error) {
    await stop();
    throw error;
  }
  const [a, b] = servers as [TestServer, TestServer];
  return { database, a, b, stop };
}
