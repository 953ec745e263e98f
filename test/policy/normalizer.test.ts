import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.ts";
import { ObsStats, RunningNormalizer } from "../../src/policy/normalizer.ts";

describe("running observation normaliser", () => {
  const rng = new Rng(1);
  const data = Array.from({ length: 300 }, () => [rng.normal() * 3 + 2, rng.uniform() * 10 - 1]);

  it("matches the batch mean/variance, whichever way the data is split and merged", () => {
    const whole = new ObsStats(2);
    data.forEach((x) => whole.push(x));
    const parts = [new ObsStats(2), new ObsStats(2), new ObsStats(2)];
    data.forEach((x, i) => parts[i % 3 === 0 ? 0 : i < 150 ? 1 : 2].push(x));
    const merged = new ObsStats(2);
    parts.forEach((p) => merged.merge(p));
    for (let d = 0; d < 2; d++) {
      const mean = data.reduce((a, x) => a + x[d], 0) / data.length;
      const m2 = data.reduce((a, x) => a + (x[d] - mean) ** 2, 0);
      expect(whole.mean[d]).toBeCloseTo(mean, 10);
      expect(whole.m2[d]).toBeCloseTo(m2, 7);
      expect(merged.mean[d]).toBeCloseTo(mean, 10);
      expect(merged.m2[d]).toBeCloseTo(m2, 7);
    }
  });

  it("normalises to zero mean, unit variance, clips, and survives a state round trip", () => {
    const n = new RunningNormalizer(2, { clip: 3 });
    const s = new ObsStats(2);
    data.forEach((x) => s.push(x));
    n.update(s);
    const out = new Float32Array(2);
    const z = data.map((x) => Array.from(n.normalize(x, out)));
    for (let d = 0; d < 2; d++) {
      const mean = z.reduce((a, v) => a + v[d], 0) / z.length;
      expect(Math.abs(mean)).toBeLessThan(0.02);
    }
    expect(n.normalize([1e6, -1e6], out)).toEqual(new Float32Array([3, -3]));
    const back = RunningNormalizer.fromState(JSON.parse(JSON.stringify(n.state())));
    expect(Array.from(back.normalize(data[5], new Float32Array(2)))).toEqual(Array.from(n.normalize(data[5], out)));
  });

  it("is the identity before any data", () => {
    const n = new RunningNormalizer(2);
    expect(Array.from(n.normalize([0.5, -2], new Float32Array(2)))).toEqual([0.5, -2]);
  });
});
