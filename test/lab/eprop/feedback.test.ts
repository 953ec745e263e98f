/**
 * Learning signals by symmetric and by random feedback (issue 7), for the e-prop kernel (EpropNetwork) and
 * the NetworkSpec learner (SpecEpropNet), supervised and reward-based.
 *
 * The forward pass does not depend on the feedback, so with one readout the hidden-weight gradient of row j
 * is L_j-weighted by the same filtered eligibility in both modes: g_random[j] = (B_j / W_out,j) g_symmetric[j]
 * exactly, while readout gradients are identical. That pins down which matrix carries the error.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { RewardEprop } from "../../../src/lab/eprop/actor-critic.ts";
import { EpropNetwork, type EpropNetConfig, initEpropParams } from "../../../src/lab/eprop/network.ts";
import { defaultNeuronParams } from "../../../src/lab/eprop/neurons.ts";
import { SpecEpropNet } from "../../../src/lab/eprop/spec-net.ts";
import { initParams } from "../../../src/snn/layout.ts";
import { parseNetworkSpec } from "../../../src/snn/spec.ts";
import { CueReach } from "../../support/eprop-fixtures.ts";

function spikes(seed: number, steps: number, n: number, p: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: steps }, () => Float32Array.from({ length: n }, () => (rng.uniform() < p ? 1 : 0)));
}

describe("EpropNetwork feedback", () => {
  const base = (feedback: "symmetric" | "random", nOut: number): EpropNetConfig => ({
    neuron: defaultNeuronParams("alif"), nIn: 6, nRec: 8, nOut, tauOut: 20, feedback, recurrent: true,
  });

  it("learning signal is W_out^T err (symmetric) or B err (random), after every step", () => {
    for (const feedback of ["symmetric", "random"] as const) {
      const c = base(feedback, 3);
      const net = new EpropNetwork(c, initEpropParams(c, 2, { in: 3 }), 7);
      const target = new Float32Array([0.5, -0.3, 0.1]);
      for (const x of spikes(1, 40, c.nIn, 0.3)) {
        net.step(x);
        net.supervise(target);
        for (let j = 0; j < c.nRec; j++) {
          let want = 0;
          for (let k = 0; k < c.nOut; k++) {
            const b = feedback === "symmetric" ? net.params.wOut[k * c.nRec + j]! : net.feedbackMatrix[j * c.nOut + k]!;
            want += b * (net.y[k]! - target[k]!);
          }
          expect(net.learningSignal[j]).toBeCloseTo(want, 5);
        }
      }
    }
  });

  it("random B: hidden gradients rescale row by row by B_j / W_out,j; readout gradients unchanged", () => {
    const run = (feedback: "symmetric" | "random") => {
      const c = base(feedback, 1);
      const net = new EpropNetwork(c, initEpropParams(c, 2, { in: 3, rec: 1 }), 9);
      let fired = 0;
      for (const [t, x] of spikes(3, 120, c.nIn, 0.3).entries()) {
        net.step(x);
        net.supervise([Math.sin(0.1 * t)]);
        for (let j = 0; j < c.nRec; j++) fired += net.z[j]!;
      }
      expect(fired).toBeGreaterThan(20);
      return net;
    };
    const sym = run("symmetric"), rnd = run("random");
    const { nIn, nRec } = sym.config;
    // gradients are float32 sums over 120 steps: compare relative to their size
    const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-5 * (1 + Math.abs(b)));
    expect(Array.from(rnd.grads.wOut)).toEqual(Array.from(sym.grads.wOut));
    expect(Array.from(rnd.grads.bOut)).toEqual(Array.from(sym.grads.bOut));
    let differs = false;
    for (let j = 0; j < nRec; j++) {
      const ratio = rnd.feedbackMatrix[j]! / sym.params.wOut[j]!;
      differs ||= Math.abs(ratio - 1) > 1e-3;
      for (let i = 0; i < nIn; i++) {
        const k = j * nIn + i;
        near(rnd.grads.wIn[k]!, ratio * sym.grads.wIn[k]!);
      }
      for (let i = 0; i < nRec; i++) {
        const k = j * nRec + i;
        near(rnd.grads.wRec[k]!, ratio * sym.grads.wRec[k]!);
      }
    }
    expect(differs).toBe(true);
  });

  it("the random matrix is fixed by the feedback seed", () => {
    const c = base("random", 2);
    const p = initEpropParams(c, 1);
    const a = new EpropNetwork(c, p, 5), b = new EpropNetwork(c, p, 5), d = new EpropNetwork(c, p, 6);
    expect(Array.from(a.feedbackMatrix)).toEqual(Array.from(b.feedbackMatrix));
    expect(Array.from(a.feedbackMatrix)).not.toEqual(Array.from(d.feedbackMatrix));
  });
});

describe("SpecEpropNet feedback", () => {
  const spec = parseNetworkSpec({
    encoder: { kind: "direct", size: 4 },
    hidden: { size: 10, neuron: { model: "lif" } },
    projections: { input: { initScale: 4 }, recurrent: { initScale: 1 } },
    decoder: { kind: "leaky", size: 1 },
  });

  it("random B: input/recurrent/bias gradients rescale by B_j / decoder.W_j; decoder gradients unchanged", () => {
    const params = initParams(spec, 3);
    const rng = new Rng(4);
    const xs = Array.from({ length: 120 }, () => Float32Array.from({ length: 4 }, () => rng.range(0, 1.5)));
    const run = (feedback: "symmetric" | "random") => {
      const net = new SpecEpropNet(spec, params.slice(), { feedback, feedbackSeed: 8 });
      let fired = 0;
      for (const [t, x] of xs.entries()) {
        net.step(x);
        net.supervise([0.5 * Math.sin(0.1 * t)]);
        for (const z of net.hiddenSpikes) fired += z;
      }
      expect(fired).toBeGreaterThan(50);
      return net;
    };
    const sym = run("symmetric"), rnd = run("random");
    const lay = sym.layout;
    const decW = lay.view(params, "decoder.W");
    for (const name of ["decoder.W", "decoder.b"]) {
      const e = lay.entry(name);
      expect(Array.from(rnd.grad.subarray(e.offset, e.offset + e.length))).toEqual(Array.from(sym.grad.subarray(e.offset, e.offset + e.length)));
    }
    const nHid = spec.hidden.size;
    let maxAbs = 0;
    for (const name of ["input.W", "recurrent.W", "hidden.bias"]) {
      const e = lay.entry(name);
      for (let k = 0; k < e.length; k++) {
        const j = k % nHid; // [nPre, nHid] row-major: postsynaptic neuron is the fast index
        const want = (rnd.feedbackMatrix[j]! / decW[j]!) * sym.grad[e.offset + k]!;
        maxAbs = Math.max(maxAbs, Math.abs(want));
        expect(Math.abs(rnd.grad[e.offset + k]! - want)).toBeLessThan(1e-9 + 1e-6 * Math.abs(want));
      }
    }
    expect(maxAbs).toBeGreaterThan(0);
  });
});

describe("reward-based e-prop with random feedback", () => {
  it("RewardEprop (actor-critic) still improves the cue task when the learning signal goes through a fixed random B", () => {
    const task = new CueReach();
    const agent = new RewardEprop(task, { seed: 3, nRec: 24, lr: 0.01, sigma: 0.3, gamma: 0.5, lambda: 0.5, feedback: "random" });
    const evalSeeds = [1001, 1002, 1003, 1004];
    const score = () => evalSeeds.reduce((s, seed) => s + agent.episode(seed, false).return, 0) / evalSeeds.length;
    const before = score();
    for (let e = 0; e < 150; e++) agent.episode(e, true);
    const after = score();
    expect(after).toBeGreaterThan(before + 0.5 * Math.abs(before));
  });
});
