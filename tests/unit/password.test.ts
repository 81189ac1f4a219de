import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword, verifyPasswordOrDummy } from "@/lib/auth/password";

describe("password hashing", () => {
  it("hashes with bcrypt at the configured cost and verifies", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("wrong", hash)).toBe(false);
  });

  it("salts: the same password hashes differently", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("never accepts a password for an unknown user", async () => {
    expect(await verifyPasswordOrDummy("anything", undefined)).toBe(false);
    expect(await verifyPasswordOrDummy("a dummy password that is never anyone's", undefined)).toBe(false);
  });
});
