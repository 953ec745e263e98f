import { describe, expect, it } from "vitest";
import { DEFAULT_SEQUENCE_TASK, makeSequenceTask, sequenceTrialEnd } from "../../src/lab/datasets/sequence.ts";
import { encodeYinYang, makeYinYang, yinYangClass } from "../../src/lab/datasets/yinyang.ts";

describe("Yin-Yang dataset", () => {
  it("classifies landmark points from the analytic definition", () => {
    expect(yinYangClass(0.25, 0.5)).toBe(2); // left dot
    expect(yinYangClass(0.75, 0.5)).toBe(2); // right dot
    expect(yinYangClass(0.5, 0.9)).toBe(1); // top: yin
    expect(yinYangClass(0.5, 0.1)).toBe(0); // bottom: yang
    expect(yinYangClass(0.25, 0.5 + 0.18)).toBe(1); // ring around the left dot is yin
    expect(yinYangClass(0.75, 0.5 + 0.18)).toBe(0); // ring around the right dot is yang
  });

  it("draws balanced classes inside the big circle, deterministically per seed", () => {
    const pts = makeYinYang(900, 5);
    expect(pts.filter((p) => p.label === 0).length).toBe(300);
    expect(pts.filter((p) => p.label === 2).length).toBe(300);
    for (const p of pts) {
      expect(Math.hypot(p.x - 0.5, p.y - 0.5)).toBeLessThanOrEqual(0.5);
      expect(yinYangClass(p.x, p.y)).toBe(p.label);
    }
    expect(makeYinYang(10, 5)).toEqual(pts.slice(0, 10));
    expect(makeYinYang(10, 6)).not.toEqual(pts.slice(0, 10));
    const [s] = encodeYinYang([{ x: 0.2, y: 0.6, label: 1 }], 2, 27);
    expect(Array.from(s.times)).toEqual([2 + 0.2 * 25, 2 + 0.6 * 25, 2 + 0.8 * 25, 2 + 0.4 * 25, 0].map((t) => expect.closeTo(t, 12)));
    expect(Array.from(s.neurons)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("sequence-detection task", () => {
  it("classes differ only in the order of the same spikes, with gaps far longer than the time constants", () => {
    const o = { ...DEFAULT_SEQUENCE_TASK, distractors: 0, spikeJitter: 0 };
    const data = makeSequenceTask(40, 3, o);
    for (const s of data) {
      expect(Array.from(s.neurons)).toEqual(o.orderings[s.label]);
      expect(s.times[1] - s.times[0]).toBeCloseTo(o.gap, 12);
      expect(s.times[2]).toBeLessThan(sequenceTrialEnd(o) - o.tail + 1e-9);
    }
    expect(new Set(data.map((s) => s.label)).size).toBe(o.orderings.length);
    const noisy = makeSequenceTask(5, 3);
    for (const s of noisy) {
      expect(s.times.length).toBe(4);
      for (let k = 1; k < s.times.length; k++) expect(s.times[k]).toBeGreaterThanOrEqual(s.times[k - 1]);
    }
  });
});
