import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.ts";
import {
  bootstrap, meanInterval, normalCdf, pairedDifference, retention, retentionDifference, studentTQuantile,
} from "../../src/eval/stats.ts";

/** Fraction of `trials` synthetic samples whose interval contains the true value. */
function coverage(trials: number, seed: number, draw: (rng: Rng) => { truth: number; lo: number; hi: number }): number {
  const rng = new Rng(seed);
  let hits = 0;
  for (let t = 0; t < trials; t++) {
    const { truth, lo, hi } = draw(rng);
    if (lo <= truth && truth <= hi) hits++;
  }
  return hits / trials;
}

describe("distribution functions", () => {
  it("match tabulated values", () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 5);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTQuantile(0.05, 30)).toBeCloseTo(-1.697261, 5);
  });
});

describe("bootstrap interval coverage on synthetic data", () => {
  const trials = 500;

  it("covers a normal mean ~95% of the time at n = 20", () => {
    const c = coverage(trials, 11, (rng) => {
      const xs = Float64Array.from({ length: 20 }, () => 3 + 2 * rng.normal());
      return { truth: 3, ...meanInterval(xs, { seed: rng.nextU32(), resamples: 1000 }) };
    });
    expect(c).toBeGreaterThan(0.92);
    expect(c).toBeLessThan(0.975);
  });

  it("keeps ~90%+ coverage at n = 5 (the plain percentile interval would not)", () => {
    const draw = (expand: boolean) => (rng: Rng) => {
      const xs = Float64Array.from({ length: 5 }, () => rng.normal());
      const seed = rng.nextU32();
      if (expand) return { truth: 0, ...meanInterval(xs, { seed, resamples: 1000 }) };
      // Plain percentile interval for comparison.
      const vals: number[] = [];
      const r = new Rng(seed);
      for (let k = 0; k < 1000; k++) {
        let s = 0;
        for (let i = 0; i < 5; i++) s += xs[r.int(5)];
        vals.push(s / 5);
      }
      vals.sort((a, b) => a - b);
      return { truth: 0, lo: vals[25], hi: vals[974] };
    };
    const expanded = coverage(trials, 12, draw(true));
    const plain = coverage(trials, 12, draw(false));
    expect(expanded).toBeGreaterThan(0.89);
    expect(plain).toBeLessThan(0.9);
    expect(expanded - plain).toBeGreaterThan(0.03);
  });

  it("covers the mean of a skewed (exponential) distribution at n = 30", () => {
    const c = coverage(trials, 13, (rng) => {
      const xs = Float64Array.from({ length: 30 }, () => -Math.log(1 - rng.uniform()));
      return { truth: 1, ...meanInterval(xs, { seed: rng.nextU32(), resamples: 1000 }) };
    });
    expect(c).toBeGreaterThan(0.92);
    expect(c).toBeLessThan(0.98);
  });

  it("covers a paired difference with strongly correlated arms, and is narrower than unpaired", () => {
    let pairedWidth = 0;
    let unpairedWidth = 0;
    const c = coverage(trials, 14, (rng) => {
      const shared = Float64Array.from({ length: 15 }, () => 10 * rng.normal());
      const a = shared.map((s) => s + 1 + rng.normal());
      const b = shared.map((s) => s + rng.normal());
      const seed = rng.nextU32();
      const iv = pairedDifference(a, b, { seed, resamples: 1000 });
      pairedWidth += iv.hi - iv.lo;
      const ia = meanInterval(a, { seed, resamples: 1000 });
      unpairedWidth += ia.hi - ia.lo;
      return { truth: 1, ...iv };
    });
    expect(c).toBeGreaterThan(0.91);
    expect(c).toBeLessThan(0.98);
    expect(pairedWidth).toBeLessThan(unpairedWidth / 3);
  });

  it("covers a retention ratio of paired means", () => {
    // nominal ~ N(100, 15), condition = 0.6 * nominal + noise: true retention 0.6.
    const c = coverage(trials, 15, (rng) => {
      const nominal = Float64Array.from({ length: 25 }, () => 100 + 15 * rng.normal());
      const cond = nominal.map((x) => 0.6 * x + 5 * rng.normal());
      return { truth: 0.6, ...retention(cond, nominal, { seed: rng.nextU32(), resamples: 1000 }) };
    });
    expect(c).toBeGreaterThan(0.91);
    expect(c).toBeLessThan(0.98);
  });
});

describe("bootstrap behaviour", () => {
  it("is deterministic for a seed and returns the plug-in estimate", () => {
    const xs = [1, 4, 2, 8, 5, 7];
    const a = meanInterval(xs, { seed: 3 });
    const b = meanInterval(xs, { seed: 3 });
    expect(a).toEqual(b);
    expect(a.estimate).toBeCloseTo(27 / 6, 12);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
  });

  it("gives a degenerate interval for constant data and NaN bounds for a single unit", () => {
    expect(meanInterval([2, 2, 2, 2])).toEqual({ estimate: 2, lo: 2, hi: 2 });
    const one = meanInterval([5]);
    expect(one.estimate).toBe(5);
    expect(one.lo).toBeNaN();
  });

  it("leaves retention undefined when the nominal mean is not positive", () => {
    expect(retention([1, 2, 3], [-1, -2, 0]).estimate).toBeNaN();
  });

  it("computes the retention difference between two controllers exactly on the full sample", () => {
    const iv = retentionDifference([5, 5], [10, 10], [2, 2], [10, 10]);
    expect(iv.estimate).toBeCloseTo(0.3, 12);
    expect(iv.lo).toBeCloseTo(0.3, 12);
  });

  it("rejects mismatched paired samples and bad options with specific errors", () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/paired samples differ in length \(2 vs 1\)/);
    expect(() => bootstrap(3, () => 1, { level: 1.5 })).toThrow(/level: confidence level must be in \(0, 1\)/);
  });
});
