// The bench's interval and verdict arithmetic (bench/harness/stats.ts).
import { describe, expect, it } from "vitest";
import { ratioInterval, verdict } from "@/bench/harness/stats";

describe("ratioInterval", () => {
  it("is the geometric mean with a t-interval on the logarithms", () => {
    const interval = ratioInterval([0.9, 1.0, 1.1, 0.95, 1.05])!;
    expect(interval.n).toBe(5);
    expect(interval.estimate).toBeCloseTo(0.9975, 3);
    // sd of the logs ≈ 0.0797, t(4) = 2.776 → margin ≈ 0.0989 in log units.
    expect(Math.log(interval.high) - Math.log(interval.estimate)).toBeCloseTo(0.0989, 3);
    expect(interval.low).toBeLessThan(interval.estimate);
    expect(interval.halfWidth).toBeCloseTo((interval.high - interval.low) / 2, 10);
  });

  it("narrows with more rounds of the same spread and needs two rounds", () => {
    const few = ratioInterval([0.95, 1.05, 0.95, 1.05])!;
    const many = ratioInterval(Array.from({ length: 16 }, (_, i) => (i % 2 ? 1.05 : 0.95)))!;
    expect(many.halfWidth).toBeLessThan(few.halfWidth / 2);
    expect(ratioInterval([1])).toBeNull();
    expect(ratioInterval([1, null, undefined])).toBeNull();
  });
});

describe("verdict", () => {
  const interval = (low: number, high: number) => ({ estimate: (low + high) / 2, low, high, halfWidth: 0, n: 5 });
  it.each([
    [interval(0.98, 1.02), { min: 0.97 }, "met"],
    [interval(0.9, 0.96), { min: 0.97 }, "missed"],
    [interval(0.95, 0.99), { min: 0.97 }, "not decidable"],
    [interval(1.1, 1.4), { max: 1.5 }, "met"],
    [interval(1.6, 2), { max: 1.5 }, "missed"],
    [interval(1.3, 1.7), { max: 1.5 }, "not decidable"],
  ] as const)("%o against %o is %s", (i, target, expected) => expect(verdict(i, target)).toBe(expected));
  it("cannot decide without an interval", () => expect(verdict(null, { min: 1 })).toBe("not decidable"));
});
