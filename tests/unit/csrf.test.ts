import { describe, expect, it } from "vitest";
import { isCrossSiteRequest } from "@/lib/auth/edge/csrf";

const app = "http://127.0.0.1:3000";
const headers = (init: Record<string, string>) => new Headers(init);

describe("isCrossSiteRequest", () => {
  it("refuses state changes from another origin", () => {
    expect(isCrossSiteRequest("POST", headers({ origin: "http://evil.example" }), app)).toBe(true);
    expect(isCrossSiteRequest("DELETE", headers({ origin: "null" }), app)).toBe(true);
    expect(isCrossSiteRequest("POST", headers({ "sec-fetch-site": "cross-site" }), app)).toBe(true);
    expect(isCrossSiteRequest("POST", headers({ "sec-fetch-site": "same-site" }), app)).toBe(true);
  });

  it("allows same-origin requests, safe methods and clients without browser headers", () => {
    expect(isCrossSiteRequest("POST", headers({ origin: app }), app)).toBe(false);
    expect(isCrossSiteRequest("POST", headers({ "sec-fetch-site": "same-origin" }), app)).toBe(false);
    expect(isCrossSiteRequest("GET", headers({ origin: "http://evil.example" }), app)).toBe(false);
    expect(isCrossSiteRequest("POST", headers({}), app)).toBe(false);
  });
});
