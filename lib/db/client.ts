// Creates a Prisma client for a DATABASE_URL. No `server-only` marker: the seed,
// prune and migration scripts and the tests use it outside Next.js too.
import { PrismaClient as PostgresClient } from "../generated/prisma-postgresql/client";
import { PrismaClient } from "../generated/prisma/client";
import { createAdapterFactory, providerOf } from "./adapter";

export type Db = InstanceType<typeof PrismaClient>;

export function createDb(databaseUrl: string, poolSize?: number): Db {
  const adapter = createAdapterFactory(databaseUrl, poolSize);
  if (providerOf(databaseUrl) === "sqlite") return new PrismaClient({ adapter });
  // Prisma generates one client per provider (each carries its own query compiler);
  // both come from the same schema.prisma models, so their APIs are the same.
  return new PostgresClient({ adapter }) as unknown as Db;
}
