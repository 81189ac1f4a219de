// Creates a Prisma client for a DATABASE_URL. No `server-only` marker: the seed,
// prune and migration scripts and the tests use it outside Next.js too.
import { PrismaClient as PostgresClient } from "../generated/prisma-postgresql/client";
import { PrismaClient } from "../generated/prisma/client";
import { createAdapterFactory, providerOf, type Provider } from "./adapter";

export type Db = InstanceType<typeof PrismaClient>;

// Raw SQL (the refresh hot path) must know the dialect of the client it was handed,
// which need not be the configured DATABASE_URL's (tests make their own databases).
const providers = new WeakMap<Db, Provider>();

export function createDb(databaseUrl: string, poolSize?: number): Db {
  const adapter = createAdapterFactory(databaseUrl, poolSize);
  const provider = providerOf(databaseUrl);
  // Prisma generates one client per provider (each carries its own query compiler);
  // both come from the same schema.prisma models, so their APIs are the same.
  const db = provider === "sqlite" ? new PrismaClient({ adapter }) : (new PostgresClient({ adapter }) as unknown as Db);
  providers.set(db, provider);
  return db;
}

export function providerOfDb(db: Db): Provider {
  const provider = providers.get(db);
  if (!provider) throw new Error("this Prisma client was not made by createDb");
  return provider;
}
