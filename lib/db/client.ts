// Creates a Prisma client for a DATABASE_URL. No `server-only` marker: the seed,
// prune and migration scripts and the tests use it outside Next.js too.
import { PrismaClient } from "../generated/prisma/client";
import { createAdapterFactory } from "./adapter";

export type Db = InstanceType<typeof PrismaClient>;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: createAdapterFactory(databaseUrl) });
}
