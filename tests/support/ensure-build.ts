// The HTTP tests run against the production server, so a build of the current code must
// exist. `npm test` builds once before and says so with SKIP_BUILD=1: a build here would
// rewrite .next under the browser tests' servers, which run at the same time. Running
// `npm run test:http` alone builds when there is no build or the sources changed since
// it was made (scripts/build-state.mjs).
import { execFileSync } from "node:child_process";
import { staleBuildReason } from "../../scripts/build-state.mjs";

export default function ensureBuild(): void {
  const stale = staleBuildReason();
  if (!stale) return;
  if (process.env.SKIP_BUILD === "1") {
    console.warn(`SKIP_BUILD=1: testing the build in .next although ${stale}.`);
    return;
  }
  console.log(`Building: ${stale}.`);
  execFileSync("npx", ["next", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}
