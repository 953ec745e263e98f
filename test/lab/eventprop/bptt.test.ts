import { describe, expect, it } from "vitest";
import { selectTensorBackend } from "../../../src/snn/tensor.ts";
import { bpttGradient, disposeBpttProblem, makeBpttProblem, rasterize } from "../../../src/lab/eventprop/bptt.ts";
import { initParams, type EventNetConfig } from "../../../src/lab/eventprop/network.ts";

describe("tfjs BPTT reference for the delayed network", () => {
  it("rasterizes spikes to the nearest step", () => {
    const r = rasterize({ times: Float64Array.of(0.04, 0.26, 0.26), neurons: Int32Array.of(1, 0, 0) }, 2, 0.1, 4);
    expect(Array.from(r)).toEqual([0, 1, 0, 0, 0, 0, 2, 0]);
  });

  it("readout weight and delay gradients (through the interpolated delayed read) match finite differences", async () => {
    await selectTensorBackend();
    const config: EventNetConfig = { sizes: [3, 4, 2], lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: 20 };
    const params = initParams(config, 3, { weightMean: [2.5, 0], weightScale: [0.5, 1], delayRange: [0.5, 3] });
    const input = { times: Float64Array.of(0.5, 1.2, 2, 5, 6.1, 9), neurons: Int32Array.of(0, 1, 2, 0, 1, 2) };
    const dt = 0.5;
    const base = makeBpttProblem(config, params, input, 1, dt);
    const g = bpttGradient(base);
    disposeBpttProblem(base);
    const lossWith = (kind: "w" | "d", s: number, delta: number) => {
      const p = { w: params.w.map((a) => Float64Array.from(a)), d: params.d.map((a) => Float64Array.from(a)) };
      p[kind][1][s] += delta;
      const prob = makeBpttProblem(config, p, input, 1, dt);
      const r = bpttGradient(prob).loss;
      disposeBpttProblem(prob);
      return r;
    };
    let checked = 0;
    for (let s = 0; s < params.w[1].length; s++) {
      const h = 1e-2;
      const fdW = (lossWith("w", s, h) - lossWith("w", s, -h)) / (2 * h);
      expect(g.grads.w2[s]).toBeCloseTo(fdW, 3);
      // Delays are in steps inside the tape; stay within one interpolation interval for the difference.
      const hd = 0.02 * dt;
      const fdD = (lossWith("d", s, hd) - lossWith("d", s, -hd)) / (2 * hd) * dt;
      expect(g.grads.d2[s]).toBeCloseTo(fdD, 3);
      if (Math.abs(g.grads.d2[s]) > 1e-4) checked++;
    }
    expect(checked).toBeGreaterThan(2);
  });
});
