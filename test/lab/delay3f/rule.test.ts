import { describe, expect, it } from "vitest";
import { DEFAULT_SEQUENCE_TASK as task, makeSequenceTask, sequenceTrialEnd } from "../../../src/lab/datasets/sequence.ts";
import {
  ThreeFactorLearner,
  gaussianTrace,
  initThreeFactor,
  trainThreeFactor,
  type ThreeFactorConfig,
} from "../../../src/lab/delay3f/rule.ts";

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

describe("three-factor rule: eligibility recursions and the third factor", () => {
  /** One input, one hidden neuron that never fires, psi == 1 (huge surrogate width): the learning signal is constant. */
  const flat: ThreeFactorConfig = {
    nIn: 1, nHidden: 1, nOut: 2, dt: 0.5, tauMem: 4, tauSyn: 2, tauOut: Infinity,
    threshold: 100, trialEnd: 20, decisionStart: 0, sigma: 1.2, surrogateWidth: 1e9, maxDelay: 20,
  };
  const sample = { times: Float64Array.of(3), neurons: Int32Array.of(0), label: 0 };
  const wOut = Float64Array.of(0.7, -0.4);
  // y = 0 throughout, so err = softmax(0) - onehot(label) and L = sum_k wOut_k err_k
  const L = wOut[0]! * (0.5 - 1) + wOut[1]! * 0.5;

  function grads(w: number, d: number) {
    const learner = new ThreeFactorLearner(flat, { w: Float64Array.of(w), d: Float64Array.of(d), wOut: wOut.slice() });
    learner.clearGradients();
    expect(learner.trial(sample, true).hiddenSpikes).toBe(0);
    return { gw: learner.gw[0]!, gd: learner.gd[0]! };
  }

  it("weight eligibility: eps^w_n = a eps^w_{n-1} + (1 - a) G_sigma(t_n - d - t_k), summed against L (analytic)", () => {
    const w = 0.5, d = 2.37;
    const a = Math.exp(-flat.dt / flat.tauMem);
    const steps = Math.ceil(flat.trialEnd / flat.dt);
    const g = new Float64Array(2);
    let eps = 0, sum = 0;
    for (let n = 0; n < steps; n++) {
      gaussianTrace((n + 1) * flat.dt - d, sample.times, sample.neurons, 0, flat.sigma, g);
      eps = a * eps + (1 - a) * g[0]!;
      sum += eps;
    }
    expect(grads(w, d).gw).toBeCloseTo(L * sum, 10);
    expect(Math.abs(L * sum)).toBeGreaterThan(1e-2);
  });

  it("delay eligibility is w times the delay derivative of the weight eligibility (finite differences)", () => {
    // (delays chosen so that no sample lands exactly on gaussianTrace's 6 sigma cut-off, where the trace jumps by ~1e-8)
    for (const [w, d] of [[0.5, 2.37], [-0.8, 6.1], [1.2, 0.4]] as const) {
      const h = 1e-5;
      const fd = (grads(w, d + h).gw - grads(w, d - h).gw) / (2 * h);
      const { gd } = grads(w, d);
      expect(Math.abs(gd)).toBeGreaterThan(1e-4);
      expect(gd).toBeCloseTo(w * fd, 6);
    }
  });

  it("the third factor: no update before decisionStart, and none when the readout already gives zero error", () => {
    const late = { ...flat, decisionStart: flat.trialEnd + 1 };
    const learner = new ThreeFactorLearner(late, { w: Float64Array.of(0.5), d: Float64Array.of(1), wOut: wOut.slice() });
    learner.clearGradients();
    learner.trial(sample, true);
    expect([learner.gw[0], learner.gd[0], ...learner.gOut]).toEqual([0, 0, 0, 0]);
    // readout weights that carry no error back (B = wOut = 0): hidden updates vanish, readout updates remain
    const silentB = new ThreeFactorLearner(flat, { w: Float64Array.of(0.5), d: Float64Array.of(1), wOut: Float64Array.of(0, 0) });
    silentB.clearGradients();
    silentB.trial(sample, true);
    expect(silentB.gw[0]).toBe(0);
    expect(silentB.gd[0]).toBe(0);
  });

  it("the Gaussian surrogate and smoothing act only on learning: the forward pass ignores sigma and surrogateWidth", () => {
    const data = makeSequenceTask(12, 4);
    const c: ThreeFactorConfig = {
      nIn: task.channels, nHidden: 8, nOut: task.orderings.length, dt: 0.5, tauMem: 4, tauSyn: 2, tauOut: Infinity,
      threshold: 1, trialEnd: sequenceTrialEnd(task), decisionStart: 0, sigma: 1.5, surrogateWidth: 0.3, maxDelay: 60,
    };
    const p = initThreeFactor(c, 3, { weightMean: 2.5, weightScale: 1, delayRange: [0, 20] });
    const a = new ThreeFactorLearner(c, p);
    const b = new ThreeFactorLearner({ ...c, sigma: 4, surrogateWidth: 2 }, p);
    let spikes = 0;
    for (const s of data) {
      const ra = a.trial(s, true), rb = b.trial(s, false);
      expect(rb).toEqual(ra);
      spikes += ra.hiddenSpikes;
    }
    expect(spikes).toBeGreaterThan(0);
  });

  it("online training: weights-only leaves delays untouched; learned delays stay in [0, maxDelay]", () => {
    const data = makeSequenceTask(16, 6);
    const c: ThreeFactorConfig = {
      nIn: task.channels, nHidden: 8, nOut: task.orderings.length, dt: 0.5, tauMem: 4, tauSyn: 2, tauOut: Infinity,
      threshold: 1, trialEnd: sequenceTrialEnd(task), decisionStart: 0, sigma: 1.5, surrogateWidth: 0.3, maxDelay: 3,
    };
    const p = initThreeFactor(c, 5, { weightMean: 2.5, weightScale: 1, delayRange: [0, 3] });
    const d0 = p.d.slice(), w0 = p.w.slice();
    trainThreeFactor(new ThreeFactorLearner(c, p), data, { epochs: 1, lrWeights: 0.05, lrDelays: 5, lrReadout: 0.01, learnDelays: false, seed: 1 });
    expect(Array.from(p.d)).toEqual(Array.from(d0));
    expect(Array.from(p.w)).not.toEqual(Array.from(w0));
    trainThreeFactor(new ThreeFactorLearner(c, p), data, { epochs: 2, lrWeights: 0.05, lrDelays: 5, lrReadout: 0.01, learnDelays: true, seed: 1, optimizer: "sgd" });
    expect(Array.from(p.d)).not.toEqual(Array.from(d0));
    for (const d of p.d) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(3);
    }
  });
});

describe("three-factor rule with the max-over-time readout (the EventProp network's decision rule)", () => {
  const base: ThreeFactorConfig = {
    nIn: task.channels, nHidden: 8, nOut: task.orderings.length, dt: 0.5, tauMem: 4, tauSyn: 2, tauOut: Infinity, readout: "max",
    threshold: 1, trialEnd: sequenceTrialEnd(task), decisionStart: 0, sigma: 1.5, surrogateWidth: 0.3, maxDelay: 100,
  };

  it("readout-weight updates are the exact gradient of the trial's cross-entropy on the maxima (finite differences)", () => {
    const data = makeSequenceTask(6, 8);
    const p = initThreeFactor(base, 2, { weightMean: 4, weightScale: 1, delayRange: [0, 2], readoutScale: 1 });
    const learner = new ThreeFactorLearner(base, p);
    let checked = 0;
    for (const sample of data) {
      learner.clearGradients();
      const r = learner.trial(sample, true);
      expect(r.hiddenSpikes).toBeGreaterThan(0);
      const g = learner.gOut.slice();
      for (let s = 0; s < p.wOut.length; s++) {
        const orig = p.wOut[s]!;
        const h = 1e-6;
        p.wOut[s] = orig + h;
        const lp = learner.trial(sample, false).loss;
        p.wOut[s] = orig - h;
        const lm = learner.trial(sample, false).loss;
        p.wOut[s] = orig;
        const fd = (lp - lm) / (2 * h);
        expect(g[s]).toBeCloseTo(fd, 7);
        if (Math.abs(fd) > 1e-3) checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("the readout value is max_t V_k >= 0, linear in the readout weights, and the same with or without learning", () => {
    const sample = makeSequenceTask(1, 3)[0]!;
    const p = initThreeFactor(base, 4, { weightMean: 4, weightScale: 1, delayRange: [0, 2], readoutScale: 1 });
    for (let s = 0; s < p.wOut.length; s++) p.wOut[s] = Math.abs(p.wOut[s]!);
    const a = new ThreeFactorLearner(base, p).trial(sample, true);
    const b = new ThreeFactorLearner(base, p).trial(sample, false);
    expect(b.readout).toEqual(a.readout);
    expect(Math.min(...a.readout)).toBeGreaterThan(0);
    const doubled = { ...p, wOut: p.wOut.map((x) => 2 * x) };
    const c = new ThreeFactorLearner(base, doubled).trial(sample, false);
    for (let k = 0; k < base.nOut; k++) expect(c.readout[k]).toBeCloseTo(2 * a.readout[k]!, 12);
    // with all readout weights negative V_k never exceeds V_k(0) = 0
    const negative = new ThreeFactorLearner(base, { ...p, wOut: p.wOut.map((x) => -x) }).trial(sample, false);
    expect(Array.from(negative.readout)).toEqual(new Array(base.nOut).fill(0));
  });

  it("the error delivered at the readout's peak moves a delay towards a coincidence", () => {
    // One hidden neuron fires on B (t = 4) alone; A (t = 0) only adds a residual. The target output reads the
    // neuron with a positive weight, so more (earlier, denser) spikes raise its peak: delaying A towards B helps.
    const c: ThreeFactorConfig = {
      nIn: 2, nHidden: 1, nOut: 2, dt: 0.1, tauMem: 4, tauSyn: 2, tauOut: Infinity, readout: "max",
      threshold: 1, trialEnd: 30, decisionStart: 0, sigma: 1.5, surrogateWidth: 0.3, maxDelay: 20,
    };
    const sample = { times: Float64Array.of(0, 4), neurons: Int32Array.of(0, 1), label: 0 };
    const p = { w: Float64Array.of(2.2, 4.6), d: Float64Array.of(0.5, 0.5), wOut: Float64Array.of(1, -1) };
    const learner = new ThreeFactorLearner(c, p);
    learner.clearGradients();
    const first = learner.trial(sample, true);
    expect(first.hiddenSpikes).toBe(1);
    expect(learner.gd[0]).toBeLessThan(0); // descent increases A's delay
    expect(learner.gw[0]).toBeLessThan(0); // and A's weight
    expect(learner.gOut[0]).toBeLessThan(0);
    trainThreeFactor(learner, [sample], { epochs: 40, lrWeights: 0, lrDelays: 0.2, lrReadout: 0, learnDelays: true, seed: 1, optimizer: "sgd" });
    expect(Array.from(p.w)).toEqual([2.2, 4.6]);
    expect(p.d[0]! - p.d[1]!).toBeGreaterThan(1.5);
    const after = learner.trial(sample, false);
    expect(after.loss).toBeLessThan(first.loss);
    expect(after.hiddenSpikes).toBeGreaterThan(first.hiddenSpikes);
  });

  it("hidden updates flow only through the top-down weights, and only once the readout rises above 0", () => {
    const sample = makeSequenceTask(1, 5)[0]!;
    const p = initThreeFactor(base, 6, { weightMean: 4, weightScale: 1, delayRange: [0, 2], readoutScale: 1 });
    const zeroB = new ThreeFactorLearner(base, { ...p, wOut: new Float64Array(p.wOut.length) });
    zeroB.clearGradients();
    zeroB.trial(sample, true);
    expect(Array.from(zeroB.gw).every((x) => x === 0)).toBe(true);
    expect(Array.from(zeroB.gd).every((x) => x === 0)).toBe(true);
    // silent hidden layer: the maxima stay at V(0) = 0, nothing is latched, no update (as for EventProp)
    const silent = new ThreeFactorLearner({ ...base, threshold: 1e9 }, p);
    silent.clearGradients();
    expect(silent.trial(sample, true).hiddenSpikes).toBe(0);
    expect([...silent.gw, ...silent.gd, ...silent.gOut].every((x) => x === 0)).toBe(true);
    const live = new ThreeFactorLearner(base, p);
    live.clearGradients();
    live.trial(sample, true);
    expect(Math.hypot(...live.gw)).toBeGreaterThan(0);
    expect(Math.hypot(...live.gd)).toBeGreaterThan(0);
  });
});
