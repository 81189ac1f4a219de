import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

// The edge boundary: middleware.ts runs on the edge runtime, so it and every module it
// may import must not reach Node-only code. Breaking this fails `npm run lint` (and so
// `npm test`) instead of surfacing as a build error or, worse, a runtime one.
const EDGE_FILES = [
  "middleware.ts",
  "lib/auth/edge/**",
  "lib/http/responses.ts",
  "lib/http/security-headers.ts",
  "lib/config.ts",
];
const NODE_ONLY = [
  { group: ["node:*"], message: "Edge code cannot use Node built-ins." },
  { group: ["server-only"], message: "Edge code cannot be a server-only module." },
  {
    group: ["@prisma/*", "**/generated/**", "@/lib/db", "@/lib/db/**", "**/lib/db", "**/lib/db/**"],
    message: "No database access on the edge: the middleware is an optimistic gate.",
  },
  {
    group: ["bcryptjs", "better-sqlite3", "pg", "rate-limiter-flexible"],
    message: "Node-only package: not on the edge.",
  },
  // Everything in lib/auth outside edge/ is server-only (Prisma, bcrypt, node:crypto).
  { regex: "^@/lib/auth/(?!edge/)", message: "Only lib/auth/edge/* modules are edge-safe." },
  // Relative climbs would hide a server-only import from the rule above: use "@/…".
  { group: ["../*"], message: "Import with the @/ alias so the edge rule can see the target." },
];

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "lib/generated/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
  {
    files: EDGE_FILES,
    rules: { "no-restricted-imports": ["error", { patterns: NODE_ONLY }] },
  },
];

export default config;
