// `npm run db:prune`: deletes every row that can never be used again (expired sessions
// with their refresh tokens, spent codes, expired links, challenges, DPoP jtis and
// rate-limit windows, old dev mails, audit events past AUDIT_RETENTION_DAYS); see
// lib/auth/prune.ts for what is kept and why. The server also prunes by itself every
// PRUNE_INTERVAL_SECONDS; this is for cron, or for servers that run with it off. It
// takes the same PostgreSQL advisory lock, so it never runs beside the server's prune.
import "./load-env";
import { pruneExpired } from "../lib/auth/prune";
import { getConfig } from "../lib/config";
import { createDb } from "../lib/db/client";
import { ADVISORY_LOCK, runExclusively } from "../lib/ops/exclusive";

const { databaseUrl } = getConfig();
const db = createDb(databaseUrl);
try {
  const outcome = await runExclusively(databaseUrl, ADVISORY_LOCK.prune, () => pruneExpired(db));
  if (!outcome.ran) {
    console.log("Another process is pruning this database right now; nothing done.");
  } else {
    const counts = Object.entries(outcome.value).map(([table, count]) => `${count} ${table}`);
    console.log(`Pruned ${counts.join(", ")}.`);
  }
} finally {
  await db.$disconnect();
}
