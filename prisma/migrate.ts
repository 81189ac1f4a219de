// `npm run db:migrate`: applies pending migrations to DATABASE_URL, recording them in
// Prisma's `_prisma_migrations` table (the same history `prisma migrate deploy` keeps).
import "./load-env";
import { getConfig } from "../lib/config";
import { applyMigrations } from "./engine";

const databaseUrl = getConfig().databaseUrl;
const applied = await applyMigrations(databaseUrl);
console.log(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database is up to date.");
