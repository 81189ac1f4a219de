import { defineConfig } from "prisma/config";

// Only `prisma generate` reads this file; migrations go through prisma/migrate.ts,
// which needs no native engine.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
