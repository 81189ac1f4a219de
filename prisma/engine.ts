// Prisma's schema engine as WebAssembly, driven through the same driver adapter the
// app uses. This is what lets `db:migrate` and `db:migration:new` work on machines
// that cannot download Prisma's native engine, while writing Prisma's own migration
// format and `_prisma_migrations` history.
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import { createAdapterFactory, providerOf, type Provider } from "../lib/db/adapter";
import { createPostgresDatabase } from "./postgres";
import { postgresSchema } from "./schema-variants.mjs";

const require = createRequire(import.meta.url);
export const PRISMA_DIR = path.dirname(new URL(import.meta.url).pathname);

export function migrationsDir(provider: Provider): string {
  return path.join(PRISMA_DIR, provider === "sqlite" ? "migrations" : "migrations-postgresql");
}

/** The schema text for a provider: one set of models, only the provider line differs. */
export async function schemaFor(provider: Provider): Promise<{ path: string; content: string }> {
  const file = path.join(PRISMA_DIR, "schema.prisma");
  const content = await readFile(file, "utf8");
  return { path: file, content: provider === "sqlite" ? content : postgresSchema(content) };
}

export async function loadMigrations(provider: Provider): Promise<MigrationList> {
  const baseDir = migrationsDir(provider);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = path.join(baseDir, "migration_lock.toml");
  return {
    baseDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => {
        const file = path.join(baseDir, dir, "migration.sql");
        const content = await readFile(file, "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        );
        return { path: dir, migrationFile: { path: "migration.sql", content } };
      }),
    ),
  };
}

// Wraps the app's adapter factory for the engine:
// - SQLite's shadow database is an in-memory connection, and the engine sends whole
//   migration scripts through executeRaw, which better-sqlite3 refuses when a string
//   holds more than one statement: scripts without parameters go through executeScript.
// - PostgreSQL's adapter drops its shadow database before closing its own pool, which
//   the server refuses ("being accessed by other users"); the shadow database is made
//   here instead, and dropped after its connections are closed.
// - PostgreSQL's adapter has no mapping for the catalog type "char" (OID 18), which the
//   engine's schema description reads; such columns are handed over as text.
// - Freeing the engine does not close the connections it opened (a SQLite file would
//   stay locked for the rest of the process), so they are tracked and disposed.
function withCharColumnsAsText(adapter: SqlDriverAdapter): SqlDriverAdapter {
  // performIO is the adapter's own (undeclared) hook between pg and its type mapping.
  const queryable = adapter as unknown as {
    performIO(query: SqlQuery): Promise<{ fields: { dataTypeID: number }[] }>;
  };
  const performIO = queryable.performIO.bind(adapter);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
  return adapter;
}
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function forEngine(databaseUrl: string): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll(): Promise<void>;
} {
  const factory = createAdapterFactory(databaseUrl, 2);
  const cleanups: (() => Promise<void>)[] = [];
  const track = (adapter: SqlDriverAdapter, after?: () => Promise<void>): SqlDriverAdapter => {
    // The engine disposes some connections itself; a second dispose would throw.
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => (disposed ??= dispose());
    cleanups.push(async () => {
      await adapter.dispose();
      await after?.();
    });
    return adapter;
  };

  async function sqliteShadow(): Promise<SqlDriverAdapter> {
    const shadow = track(await factory.connectToShadowDb());
    const executeRaw = shadow.executeRaw.bind(shadow);
    shadow.executeRaw = async (query: SqlQuery): Promise<number> => {
      if (query.args.length > 0) return executeRaw(query);
      await shadow.executeScript(query.sql);
      return 0;
    };
    return shadow;
  }

  async function postgresShadow(): Promise<SqlDriverAdapter> {
    const scratch = await createPostgresDatabase(databaseUrl, "prisma_shadow");
    return track(withCharColumnsAsText(await createAdapterFactory(scratch.url, 2).connect()), scratch.drop);
  }

  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => {
        const adapter = await factory.connect();
        return track(factory.provider === "sqlite" ? adapter : withCharColumnsAsText(adapter));
      },
      connectToShadowDb: factory.provider === "sqlite" ? sqliteShadow : postgresShadow,
    },
    async disposeAll() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

type EngineModule = typeof import("@prisma/schema-engine-wasm");

let engineModule: Promise<EngineModule> | undefined;

// The package's entry imports the .wasm file as an ES module, which Node 20 cannot
// do; instantiate it by hand against the glue module's exports instead.
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    // The package exports no package.json; its "./schema_engine_bg" entry sits beside the .wasm.
    const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    const glue = (await import(pathToFileURL(path.join(dir, "schema_engine_bg.js")).href)) as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = await readFile(path.join(dir, "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return engineModule;
}

/** Runs `run` with a schema engine connected to databaseUrl, then closes everything. */
async function withEngine<T>(
  databaseUrl: string,
  run: (engine: SchemaEngine, provider: Provider) => Promise<T>,
): Promise<T> {
  const provider = providerOf(databaseUrl);
  const { SchemaEngine } = await loadEngineModule();
  const schema = await schemaFor(provider);
  const { factory, disposeAll } = forEngine(databaseUrl);
  const quiet = (): void => {};
  const engine = await SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    quiet,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await run(engine, provider);
  } finally {
    engine.free();
    await disposeAll();
  }
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

/** Applies every migration not yet in `_prisma_migrations`; returns their names. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine, provider) => {
    const result = await engine.applyMigrations({ migrationsList: await loadMigrations(provider), filters: NO_FILTER });
    return result.appliedMigrationNames;
  });
}

/** SQL that would bring the migrations up to schema.prisma; empty when they agree. */
export async function pendingSchemaChange(databaseUrl: string): Promise<string> {
  return withEngine(databaseUrl, async (engine, provider) => {
    const schema = await schemaFor(provider);
    const migrations = await loadMigrations(provider);
    const result = await engine.diff({
      from: migrations.migrationDirectories.length ? { tag: "migrations", ...migrations } : { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [schema] },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    });
    return result.exitCode === 2 ? (result.stdout ?? "") : "";
  });
}
