// Scripts read .env, .env.local etc. exactly as `next dev` / `next start` do, so that
// `npm run db:migrate` and the server agree on DATABASE_URL.
import nextEnv from "@next/env";

nextEnv.loadEnvConfig(process.cwd(), process.env.NODE_ENV !== "production");
