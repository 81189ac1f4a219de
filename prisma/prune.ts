// `npm run db:prune`: deletes expired sessions and old used refresh tokens (run it from
// cron). The audit log is kept.
import "./load-env";
import { pruneExpired } from "../lib/auth/prune";
import { getConfig } from "../lib/config";
import { createDb } from "../lib/db/client";

const db = createDb(getConfig().databaseUrl);
try {
  const result = await pruneExpired(db);
  console.log(
    `Pruned ${result.sessions} sessions, ${result.refreshTokens} used refresh tokens and ${result.dbscChallenges} expired DBSC challenges.`,
  );
} finally {
  await db.$disconnect();
}
