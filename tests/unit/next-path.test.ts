import { describe, expect, it } from "vitest";
import { isSameOriginPath, safeNextPath } from "@/lib/http/next-path";
import { landsOnOrigin, randomRedirectPaths, REDIRECT_SEED, REDIRECT_TRICKS } from "../support/redirect-paths";

const APP_ORIGIN = new URL(process.env.APP_URL!).origin;

describe("safeNextPath", () => {
  it("keeps same-origin paths with their query", () => {
    expect(safeNextPath("/dashboard/sessions?tab=1")).toBe("/dashboard/sessions?tab=1");
  });

  it.each([
    "//evil.com",
    "/\\evil.com",
    "https://evil.com/x",
    "javascript:alert(1)",
    "/\t/evil.com",
    "dashboard",
    "",
    undefined,
    42,
  ])("refuses %j", (value) => {
    expect(safeNextPath(value)).toBe("/dashboard");
  });

  // Each of these once came back as "//evil.com": checked raw, returned normalised.
  it.each(REDIRECT_TRICKS)("never returns a path that leaves the site for %j", (trick) => {
    const result = safeNextPath(trick);
    expect(landsOnOrigin(result, APP_ORIGIN), `${JSON.stringify(trick)} → ${JSON.stringify(result)}`).toBe(true);
    expect(result.startsWith("/") && !result.startsWith("//")).toBe(true);
  });

  it(`returns only same-origin fixed points for random paths of /, \\, ., %2e, %2f, %5c and control characters (seed ${REDIRECT_SEED})`, () => {
    for (const path of randomRedirectPaths(20_000)) {
      const result = safeNextPath(path);
      expect(landsOnOrigin(result, APP_ORIGIN), `${JSON.stringify(path)} → ${JSON.stringify(result)}`).toBe(true);
      // What a browser makes of the result is the result itself: nothing left to normalise.
      expect(safeNextPath(result)).toBe(result);
      expect(isSameOriginPath(result)).toBe(true);
    }
  });

  it("still accepts harmless dot segments and encodings, normalised", () => {
    expect(safeNextPath("/dashboard/./sessions")).toBe("/dashboard/sessions");
    expect(safeNextPath("/a/../dashboard")).toBe("/dashboard");
    expect(safeNextPath("/%2fdashboard")).toBe("/%2fdashboard");
  });
});
