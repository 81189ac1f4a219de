import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

// Values the lib modules read through lib/config; each test database is its own file.
const testEnv = {
  NODE_ENV: "test" as const,
  AUTH_SECRET: "unit-test-secret-0123456789abcdef0123456789abcdef",
  BCRYPT_COST: "4",
  // The tests keep both cores full; below this thread's priority each hash would wait
  // behind all of it (lib/auth/password-pool.ts).
  PASSWORD_WORKER_NICE: "0",
  APP_URL: "http://127.0.0.1:3000",
  NEXT_TELEMETRY_DISABLED: "1",
};

const shared = {
  resolve: {
    alias: {
      "@": root,
      // Outside React Server Components the marker package throws on import.
      "server-only": path.join(root, "tests/support/empty-module.ts"),
    },
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          env: testEnv,
          testTimeout: 30_000,
          // Each test's fresh, migrated database (tests/support/database.ts) is made in a
          // hook; `npm test` runs these tests beside eslint, tsc and the build, where the
          // first migration (the Wasm schema engine loading) can take longer than 10 s.
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: "http",
          include: ["tests/http/**/*.test.ts"],
          env: testEnv,
          globalSetup: ["tests/support/ensure-build.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own `next start`; two at a time fit two cores.
          maxWorkers: 2,
          // The files share no state (each has its own server and database, and a file
          // that changes a process-wide setting restores it), so a worker keeps its module
          // graph from one file to the next: rebuilding it for each of the ~40 files cost
          // ~100 s of CPU per pass, a quarter of the pass on two cores.
          isolate: false,
        },
      },
      {
        ...shared,
        test: {
          // Several app instances on one PostgreSQL database (TEST_DATABASE_URL).
          name: "cluster",
          include: ["tests/cluster/**/*.test.ts"],
          env: testEnv,
          globalSetup: ["tests/support/ensure-build.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
        },
      },
      {
        ...shared,
        test: { name: "bench", include: ["tests/bench/**/*.test.ts"], testTimeout: 300_000 },
      },
    ],
  },
});
