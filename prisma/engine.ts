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

const require = createRequire(import.meta.url);
export const PRISMA_DIR = path.dirname(new URL(import.meta.url).pathname);

export function migrationsDir(provider: Provider): string {
  return path.join(PRISMA_DIR, provider === "sqlite" ? "migrations" : "migrations-postgresql");
}

/** The schema text for a provider: one set of models, only the provider line differs. */
export async function schemaFor(provider: Provider): Promise<{ path: string; content: string }> {
  const file = path.join(PRISMA_DIR, "schema.prisma");
  const content = await readFile(file, "utf8");
  if (provider === "sqlite") return { path: file, content };
  return {
    path: file,
    content: content.replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"'),
  };
}

export async function loadMigrations(provider: Provider): Promise<MigrationList> {
  const baseDir = migrationsDir(provider);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
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
// - Freeing the engine does not close the connections it opened (a SQLite file would
//   stay locked for the rest of the process), so they are tracked and disposed.
function forEngine(factory: SqlMigrationAwareDriverAdapterFactory): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll(): Promise<void>;
} {
  const opened: SqlDriverAdapter[] = [];
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    opened.push(adapter);
    return adapter;
  };
  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => track(await factory.connect()),
      async connectToShadowDb(): Promise<SqlDriverAdapter> {
        const shadow = track(await factory.connectToShadowDb());
        if (factory.provider !== "sqlite") return shadow;
        const executeRaw = shadow.executeRaw.bind(shadow);
        shadow.executeRaw = async (query: SqlQuery): Promise<number> => {
          if (query.args.length > 0) return executeRaw(query);
          await shadow.executeScript(query.sql);
          return 0;
        };
        return shadow;
      },
    },
    async disposeAll() {
      await Promise.all(opened.splice(0).map((adapter) => adapter.dispose()));
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
  const { factory, disposeAll } = forEngine(createAdapterFactory(databaseUrl));
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
