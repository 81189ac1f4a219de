// The edge boundary is a lint rule (eslint.config.mjs): these fixtures are what it must
// refuse in middleware.ts and lib/auth/edge/*, and what it must let through.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

const NODE_ONLY_IMPORTS = [
  'import { getDb } from "@/lib/db";',
  'import { getDb } from "@/lib/db/client";',
  'import { PrismaClient } from "@prisma/client";',
  'import bcrypt from "bcryptjs";',
  'import { createHash } from "node:crypto";',
  'import "server-only";',
  'import { rotateRefreshToken } from "@/lib/auth/refresh";',
  'import { hashPassword } from "../password";',
];

describe("edge boundary lint rule", () => {
  for (const filePath of ["middleware.ts", "lib/auth/edge/tokens.ts"]) {
    it.each(NODE_ONLY_IMPORTS)(`refuses %s in ${filePath}`, async (line) => {
      expect(await restrictedImports(filePath, `${line}\nexport {};\n`)).toHaveLength(1);
    });
  }

  it("lets middleware import next/server and the edge modules", async () => {
    const code = [
      'import { NextResponse } from "next/server";',
      'import { verifyAccessToken } from "@/lib/auth/edge/tokens";',
      'import { getConfig } from "@/lib/config";',
      "export { NextResponse, verifyAccessToken, getConfig };",
    ].join("\n");
    expect(await restrictedImports("middleware.ts", code)).toEqual([]);
  });

  it("leaves server modules free to use Prisma", async () => {
    expect(
      await restrictedImports("lib/auth/refresh.ts", 'import { getDb } from "@/lib/db";\nexport { getDb };\n'),
    ).toEqual([]);
  });
});
