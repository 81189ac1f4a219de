// The HTTP tests run against the production server, so a build must exist. `npm test`
// builds once before; running `npm run test:http` alone builds when needed.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function ensureBuild(): void {
  if (existsSync(".next/BUILD_ID")) return;
  execFileSync("npx", ["next", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}
