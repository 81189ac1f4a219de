// One set of models, two providers: the PostgreSQL schema is prisma/schema.prisma with
// the datasource provider (and the generated client's folder) changed. Used by
// scripts/generate.mjs and the migration runner, so there is never a copy to edit.
export function postgresSchema(sqliteSchema) {
  const derived = sqliteSchema
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(/output(\s*)=\s*"\.\.\/lib\/generated\/prisma"/, 'output$1= "./prisma-postgresql"');
  if (!derived.includes('provider = "postgresql"') || !derived.includes("prisma-postgresql")) {
    throw new Error("could not derive the PostgreSQL schema from prisma/schema.prisma");
  }
  return derived;
}
