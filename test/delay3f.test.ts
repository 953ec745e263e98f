import { describe, expect, it } from "vitest";
import { DEFAULT_SEQUENCE_TASK as task, makeSequenceTask, sequenceTrialEnd } from "../src/learn/datasets/sequence.ts";
import {
  ThreeFactorLearner,
  gaussianTrace,
  initThreeFactor,
  trainThreeFactor,
  type ThreeFactorConfig,
} from "../src/learn/delay3f/rule.ts";

describe("three-factor delay learning", () => {
  it("the delay derivative of the Gaussian-smoothed trace matches finite differences", () => {
    const times = Float64Array.of(1, 2.2, 5, 6);
    const neurons = Int32Array.of(0, 1, 0, 0);
    const out = new Float64Array(2);
    const plus = new Float64Array(2);
    const minus = new Float64Array(2);
    for (const [now, delay] of [[4, 0.7], [7.1, 1.3], [3, 2.5]]) {
      gaussianTrace(now - delay, times, neurons, 0, 1.2, out);
      gaussianTrace(now - (delay + 1e-6), times, neurons, 0, 1.2, plus);
      gaussianTrace(now - (delay - 1e-6), times, neurons, 0, 1.2, minus);
      expect(out[0]).toBeGreaterThan(1e-3);
      expect(out[1]).toBeCloseTo((plus[0] - minus[0]) / 2e-6, 7);
    }
  });

  it("the delay eligibility and top-down error move a delay to create a coincidence", () => {
    // One hidden neuron, inputs A at t=0 and B at t=4; neither PSP alone nor their partial overlap reaches
    // threshold. The error asks for more output, so the rule should delay A towards B until the neuron fires.
    const c: ThreeFactorConfig = {
      nIn: 2, nHidden: 1, nOut: 2, dt: 0.1, tauMem: 4, tauSyn: 2, tauOut: Infinity,
      threshold: 1, trialEnd: 30, decisionStart: 0, sigma: 1.5, surrogateWidth: 0.3, maxDelay: 20,
    };
    const sample = { times: Float64Array.of(0, 4), neurons: Int32Array.of(0, 1), label: 0 };
    const p = { w: Float64Array.of(2.2, 2.2), d: Float64Array.of(0.5, 0.5), wOut: Float64Array.of(1, -1) };
    const learner = new ThreeFactorLearner(c, p);
    learner.clearGradients();
    expect(learner.trial(sample, true).hiddenSpikes).toBe(0);
    expect(learner.gd[0]).toBeLessThan(0); // descent increases A's delay
    expect(learner.gw[0]).toBeLessThan(0); // and A's weight
    // Delays only (weights and readout frozen): the neuron starts firing once A is delayed enough.
    trainThreeFactor(learner, [sample], { epochs: 60, lrWeights: 0, lrDelays: 0.1, lrReadout: 0, learnDelays: true, seed: 1, optimizer: "sgd" });
    expect(Array.from(p.w)).toEqual([2.2, 2.2]);
    expect(p.d[0] - p.d[1]).toBeGreaterThan(1.5);
    expect(learner.trial(sample, false).hiddenSpikes).toBeGreaterThan(0);
  });
});
