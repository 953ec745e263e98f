import { describe, expect, it } from "vitest";
import { timingMetrics, trainSpikeTiming } from "../../../src/lab/eprop/spike-timing.ts";

describe("spike timing with e-prop", () => {
  it("timing metric: nearest-spike error, capped when silent", () => {
    expect(timingMetrics([10, 52], [12, 50], 1, 0).timingErrorMs).toBe(2);
    expect(timingMetrics([], [12, 50], 1, 0).timingErrorMs).toBe(50);
    expect(timingMetrics([10, 11, 12], [10], 0.5, 0).countError).toBe(2);
  });

  for (const model of ["lif", "stdpLif"] as const) {
    it(`${model}: a single neuron moves its spikes to the targets`, () => {
      const r = trainSpikeTiming({ model, seed: 1, network: "single", epochs: 120 });
      expect(r.before.timingErrorMs).toBeGreaterThan(10);
      expect(r.best.timingErrorMs).toBeLessThan(4);
      expect(r.best.loss).toBeLessThan(0.5 * r.before.loss);
    });
  }

  for (const model of ["lif", "stdpLif"] as const) {
    it(`${model}: a small network (10 hidden via random feedback -> 1 output) learns the target times`, () => {
      const r = trainSpikeTiming({ model, seed: 1, network: "small", epochs: 120 });
      expect(r.before.timingErrorMs).toBeGreaterThan(10);
      expect(r.after.timingErrorMs).toBeLessThan(4);
      expect(r.after.countError).toBe(0);
      expect(r.after.loss).toBeLessThan(0.2 * r.before.loss);
    });
  }
});
