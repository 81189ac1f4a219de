// Which Chromium the browser tests use: Playwright's own where it is installed (a
// developer laptop), else PLAYWRIGHT_CHROMIUM_EXECUTABLE, else the system's Chromium.
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** undefined means "Playwright's bundled browser"; null means none was found. */
export function findChromium() {
  try {
    if (existsSync(chromium.executablePath())) return undefined;
  } catch {
    // Playwright has no browser of its own here.
  }
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE, ...SYSTEM_CHROMIUM].filter(Boolean);
  return candidates.find((path) => existsSync(path)) ?? null;
}
