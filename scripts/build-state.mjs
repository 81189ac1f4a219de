// Whether .next holds a production build of the current sources: true when the build is
// newer than every file that goes into it. `npm run test:quick` and the HTTP tests'
// setup (tests/support/ensure-build.ts) build only when it is not, so that one build
// serves every run until the code changes, and no run tests a stale one.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const INPUTS = [
  "app",
  "components",
  "lib",
  "prisma",
  "public",
  "middleware.ts",
  "instrumentation.ts",
  "next.config.js",
  "tsconfig.json",
  "package-lock.json",
];

/** The first file or folder under `entry` changed at or after `since`, or null. */
function changedSince(entry, since) {
  if (!existsSync(entry)) return null;
  const stat = statSync(entry);
  if (stat.mtimeMs >= since) return entry;
  if (!stat.isDirectory()) return null;
  for (const name of readdirSync(entry)) {
    if (name === "data" && entry === "prisma") continue; // the development database
    const changed = changedSince(path.join(entry, name), since);
    if (changed) return changed;
  }
  return null;
}

/** Why .next is not a build of the current sources (no build, or the first newer input), or null when it is. */
export function staleBuildReason() {
  const buildId = ".next/BUILD_ID";
  if (!existsSync(buildId)) return "there is no build";
  const built = statSync(buildId).mtimeMs;
  for (const entry of INPUTS) {
    const changed = changedSince(entry, built);
    if (changed) return `${changed} changed after the build`;
  }
  return null;
}

export const buildIsCurrent = () => staleBuildReason() === null;
