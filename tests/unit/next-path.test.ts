import { describe, expect, it } from "vitest";
import { safeNextPath } from "@/lib/http/next-path";

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
});
