// The bench's arithmetic: rounding for the JSON and medians over rounds.

export function round(x: number | null | undefined, digits = 2): number | null {
  if (x === null || x === undefined || Number.isNaN(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(values: ReadonlyArray<number | null | undefined>): number | null {
  const sorted = values.filter((v): v is number => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Two-sided 97.5 % quantiles of Student's t for 1…30 degrees of freedom (then ≈ normal).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export type Interval = { estimate: number; low: number; high: number; halfWidth: number; n: number };

/**
 * 95 % interval of a ratio from paired per-round ratios (both sides measured in the same
 * round, so what the machine did meanwhile affects both): a one-sample t-interval on
 * their logarithms, i.e. on the geometric mean, back-transformed. Null under 2 rounds.
 * halfWidth is half the interval's width in ratio units (the stop rule's ±).
 */
export function ratioInterval(ratios: ReadonlyArray<number | null | undefined>): Interval | null {
  const logs = ratios.filter((r): r is number => typeof r === "number" && r > 0).map(Math.log);
  const n = logs.length;
  if (n < 2) return null;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const t = T975[n - 2] ?? 1.96;
  const margin = t * Math.sqrt(variance / n);
  const [low, high] = [Math.exp(mean - margin), Math.exp(mean + margin)];
  return { estimate: Math.exp(mean), low, high, halfWidth: (high - low) / 2, n };
}

export type Verdict = "met" | "missed" | "not decidable";

/** met: the whole interval is on the target's good side; missed: all of it on the bad side. */
export function verdict(interval: Interval | null, target: { min: number } | { max: number }): Verdict {
  if (!interval) return "not decidable";
  if ("min" in target) {
    if (interval.low >= target.min) return "met";
    return interval.high < target.min ? "missed" : "not decidable";
  }
  if (interval.high <= target.max) return "met";
  return interval.low > target.max ? "missed" : "not decidable";
}
