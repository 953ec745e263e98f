import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { bpttGradients, loadTf } from "../../../src/lab/eprop/bptt-tf.ts";
import { epropGradients } from "../../../src/lab/eprop/compare.ts";
import { type EpropNetConfig, initEpropParams } from "../../../src/lab/eprop/network.ts";
import { defaultNeuronParams } from "../../../src/lab/eprop/neurons.ts";
import { cosine } from "../../../src/lab/eprop/stats.ts";

function problem(seed: number, steps: number, nIn: number, nOut: number) {
  const rng = new Rng(seed);
  const xs = new Float32Array(steps * nIn).map(() => (rng.uniform() < 0.1 ? 1 : 0));
  const targets = new Float32Array(steps * nOut).map((_, k) => Math.sin((k / nOut) * 0.2 + (k % nOut)));
  return { xs, targets };
}

describe("e-prop vs tfjs BPTT", () => {
  for (const model of ["lif", "alif"] as const) {
    it(`${model}: feed-forward layer, reset detached in BPTT: e-prop equals the exact gradient`, async () => {
      const { tf } = await loadTf("cpu");
      const c: EpropNetConfig = {
        neuron: defaultNeuronParams(model), nIn: 8, nRec: 6, nOut: 2, tauOut: 10, feedback: "symmetric", recurrent: false,
      };
      const steps = 60;
      const p = initEpropParams(c, 4, { in: 3 });
      const { xs, targets } = problem(2, steps, c.nIn, c.nOut);
      const e = epropGradients(c, p, xs, targets, steps);
      const b = bpttGradients(tf, c, p, xs, targets, steps, { detachReset: true });
      expect(e.spikeCount).toBeGreaterThan(5);
      expect(e.loss).toBeCloseTo(b.loss, 2);
      expect(cosine(e.grads.wIn, b.grads.wIn)).toBeGreaterThan(0.99999);
      expect(cosine(e.grads.wOut, b.grads.wOut)).toBeGreaterThan(0.99999);
      for (let k = 0; k < e.grads.wIn.length; k++) {
        expect(Math.abs(e.grads.wIn[k] - b.grads.wIn[k])).toBeLessThan(1e-3 * (1 + Math.abs(b.grads.wIn[k])));
      }
    });
  }

  it("recurrent LIF: e-prop is an approximation (cosine below 1 but positive)", async () => {
    const { tf } = await loadTf("cpu");
    const c: EpropNetConfig = {
      neuron: defaultNeuronParams("lif"), nIn: 8, nRec: 6, nOut: 2, tauOut: 10, feedback: "symmetric", recurrent: true,
    };
    const steps = 60;
    const p = initEpropParams(c, 4, { in: 3, rec: 2 });
    const { xs, targets } = problem(2, steps, c.nIn, c.nOut);
    const e = epropGradients(c, p, xs, targets, steps);
    const b = bpttGradients(tf, c, p, xs, targets, steps, { detachReset: true });
    const cw = cosine(e.grads.wIn, b.grads.wIn);
    expect(cw).toBeLessThan(0.99999);
    expect(cw).toBeGreaterThan(0.3);
  });
});
