// Makes sure a Chromium exists for the browser tests. Playwright cannot download its
// browsers on machines without internet access; Debian's Chromium works instead.
import { execSync } from "node:child_process";
import { findChromium } from "./browser.mjs";

if (findChromium() !== null) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = (() => {
  try {
    execSync("command -v apt-get", { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

if (isRoot && hasApt) {
  console.log("No Chromium found: installing Debian's chromium with apt-get (about a minute)…");
  execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", {
    stdio: "inherit",
  });
  if (findChromium() !== null) process.exit(0);
}
console.error(
  "No Chromium for the browser tests. Run `npx playwright install chromium`, or install a system Chromium " +
    "(e.g. `sudo apt-get install chromium`) and set PLAYWRIGHT_CHROMIUM_EXECUTABLE if it is not /usr/bin/chromium.",
);
process.exit(1);
