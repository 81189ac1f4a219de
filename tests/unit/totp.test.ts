// TOTP (±1 step, each code once), recovery codes (each once) and the sealed secret, against
// a real SQLite file (issue 23).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { consumeRecoveryCode, regenerateRecoveryCodes } from "@/lib/auth/mfa/recovery-codes";
import { openSecret, sealSecret } from "@/lib/auth/mfa/secret-box";
import { beginTotpEnrolment, codeAt, consumeTotpCode, matchingStep } from "@/lib/auth/mfa/totp";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.cleanup());

const T0 = new Date("2026-12-04T12:00:10Z"); // 10 s into a step
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe("matchingStep: ±1 step", () => {
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  const step = Math.floor(T0.getTime() / 30_000);
  it.each([
    [-30, step - 1],
    [0, step],
    [30, step + 1],
  ])("a code %i s off is accepted as its own step", (offset, expected) => {
    expect(matchingStep(secret, codeAt(secret, at(offset)), T0)).toBe(expected);
  });
  it.each([-60, 60, 600])("a code %i s off is refused", (offset) => {
    expect(matchingStep(secret, codeAt(secret, at(offset)), T0)).toBeNull();
  });
  it.each(["", "12345", "1234567", "12a456", " 123456"])("malformed %j is refused", (code) => {
    expect(matchingStep(secret, code, T0)).toBeNull();
  });
});

describe("consumeTotpCode", () => {
  async function enrolled() {
    const begun = await beginTotpEnrolment(t.db, { id: t.demoUserId, email: "demo@example.com" }, T0);
    if (!begun.ok) throw new Error("enrolment failed");
    expect(await consumeTotpCode(t.db, t.demoUserId, codeAt(begun.secret, at(-30)), "pending", T0)).toBe(true);
    return begun.secret;
  }

  it("the pending factor is confirmed by a code, and a confirmed one is not taken as pending", async () => {
    const secret = await enrolled();
    expect(await consumeTotpCode(t.db, t.demoUserId, codeAt(secret, T0), "pending", T0)).toBe(false);
    expect(await consumeTotpCode(t.db, t.demoUserId, codeAt(secret, T0), "confirmed", T0)).toBe(true);
  });

  it("a code is good once within its window, and a code of an older step after it is refused", async () => {
    const secret = await enrolled();
    const code = codeAt(secret, T0);
    expect(await consumeTotpCode(t.db, t.demoUserId, code, "confirmed", T0)).toBe(true);
    expect(await consumeTotpCode(t.db, t.demoUserId, code, "confirmed", at(20))).toBe(false);
    expect(await consumeTotpCode(t.db, t.demoUserId, codeAt(secret, at(-30)), "confirmed", T0)).toBe(false);
    expect(await consumeTotpCode(t.db, t.demoUserId, codeAt(secret, at(30)), "confirmed", at(30))).toBe(true);
  });

  it("a concurrent burst of one code admits exactly one", async () => {
    const secret = await enrolled();
    const code = codeAt(secret, T0);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => consumeTotpCode(t.db, t.demoUserId, code, "confirmed", T0)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe("recovery codes", () => {
  it("ten distinct codes, each usable once, in any case and with or without the dash", async () => {
    const codes = await regenerateRecoveryCodes(t.db, t.demoUserId, T0);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const first = codes[0]!;
    expect(await consumeRecoveryCode(t.db, t.demoUserId, first.replace("-", "").toUpperCase(), T0)).toBe(true);
    expect(await consumeRecoveryCode(t.db, t.demoUserId, first, T0)).toBe(false);
    expect(await consumeRecoveryCode(t.db, t.demoUserId, "not-a-code", T0)).toBe(false);
  });

  it("regenerating voids the old codes", async () => {
    const old = await regenerateRecoveryCodes(t.db, t.demoUserId, T0);
    await regenerateRecoveryCodes(t.db, t.demoUserId, T0);
    expect(await consumeRecoveryCode(t.db, t.demoUserId, old[1]!, T0)).toBe(false);
  });
});

describe("the sealed secret", () => {
  it("round-trips, never contains the secret, and refuses a tampered seal", () => {
    const sealed = sealSecret("JBSWY3DPEHPK3PXP");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(openSecret(sealed)).toBe("JBSWY3DPEHPK3PXP");
    const parts = sealed.split(".");
    parts[2] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith("AA") ? "BB" : "AA");
    expect(openSecret(parts.join("."))).toBeNull();
  });
});
