/**
 * Tensor engine vs kernel engine on the spec options that the per-model suites (test/snn/engines.<model>.test.ts,
 * default variants only) do not reach: eligibility traces, a leaky H (decayTau), scalar fan-out, per-synapse eta, GRF encoding, the
 * spike-count decoder, learned thresholds and time constants, reset to zero with a refractory period, the
 * fast-sigmoid and Gaussian surrogates. Same tolerance: identical hidden spike trains over 1000 steps (B = 2),
 * actions and modulator within 1e-5; gradients vs float64 central differences within 1e-2 (relaxed spikes).
 * Also: the kernel's float32 tanh/exp against the WASM backend's, bit for bit; parity only, Izhikevich (the model
 * most sensitive to rounding) with an eligibility trace and with a leaky H for every rule, and with more than 48 presynaptic inputs at
 * B = 2 (tfjs's batched matMul sums in blocks of 48; see tensor.ts); the tensor engine's pseudo-derivatives in
 * hard-spike mode, and its bad-input errors.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expf, tanhf } from "../../src/snn/f32math.ts";
import { DEFAULT_GROUPS, gradCheck } from "../../src/snn/gradcheck.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { kernelTensorParity } from "../support/parity.ts";
import { parseNetworkSpec, SURROGATES } from "../../src/snn/spec.ts";
import { surrogateGrad } from "../../src/snn/surrogate.ts";
import { createTensorNet, selectTensorBackend } from "../../src/snn/tensor.ts";
import { RULE_VARIANTS, variantName, variantSpec, type Variant } from "../../src/snn/variants.ts";

beforeAll(async () => {
  await selectTensorBackend();
});

const elig = (rule: Variant["rule"], modulated: boolean) => ({ plasticity: { rule, modulated, etaInit: 0.1, eligibilityTau: 10, tauRate: 10, tauTheta: 30 } });
/** H decays with time constant 20 steps (plus any other plasticity options). */
const leaky = (rule: Variant["rule"], modulated: boolean, o: Record<string, unknown> = {}) => ({ plasticity: { rule, modulated, etaInit: 0.1, decayTau: 20, tauRate: 10, tauTheta: 30, ...o } });

const cases: Array<{ name: string; v: Variant; extra: Record<string, unknown>; groups?: string[] }> = [
  { name: "eligibility trace, lif nm-hebb", v: { model: "lif", rule: "hebb", modulated: true }, extra: elig("hebb", true) },
  { name: "eligibility trace, alif nm-oja", v: { model: "alif", rule: "oja", modulated: true }, extra: elig("oja", true) },
  { name: "eligibility trace, stdpLif nm-bcm", v: { model: "stdpLif", rule: "bcm", modulated: true }, extra: elig("bcm", true) },
  { name: "eligibility trace, lif stdp", v: { model: "lif", rule: "stdp", modulated: false }, extra: elig("stdp", false) },
  { name: "leaky H, lif nm-hebb", v: { model: "lif", rule: "hebb", modulated: true }, extra: leaky("hebb", true) },
  { name: "leaky H, alif oja", v: { model: "alif", rule: "oja", modulated: false }, extra: leaky("oja", false) },
  { name: "leaky H + eligibility trace, stdpLif nm-bcm", v: { model: "stdpLif", rule: "bcm", modulated: true }, extra: leaky("bcm", true, { eligibilityTau: 10 }) },
  { name: "leaky H + eligibility trace, alif nm-oja", v: { model: "alif", rule: "oja", modulated: true }, extra: leaky("oja", true, { eligibilityTau: 10 }) },
  { name: "leaky H, scalar fan-out, per-synapse eta, lif nm-stdp", v: { model: "lif", rule: "stdp", modulated: true }, extra: leaky("stdp", true, { fanout: "scalar", eta: "synapse" }) },
  {
    name: "scalar fan-out, per-synapse eta, lif nm-bcm",
    v: { model: "lif", rule: "bcm", modulated: true },
    extra: { plasticity: { rule: "bcm", modulated: true, fanout: "scalar", eta: "synapse", etaInit: 0.1, tauRate: 10, tauTheta: 30 } },
  },
  {
    name: "BCM threshold in target-rate units (r0 = 0.1) with eligibility trace, lif nm-bcm",
    v: { model: "lif", rule: "bcm", modulated: true },
    extra: { plasticity: { rule: "bcm", modulated: true, etaInit: 0.1, eligibilityTau: 10, tauRate: 10, tauTheta: 30, bcmTargetRate: 0.1 } },
  },
  {
    name: "BCM threshold in target-rate units (r0 = 0.3), alif bcm",
    v: { model: "alif", rule: "bcm", modulated: false },
    extra: { plasticity: { rule: "bcm", modulated: false, etaInit: 0.1, tauRate: 10, tauTheta: 30, bcmTargetRate: 0.3 } },
  },
  {
    name: "GRF encoder, count decoder, learned thresholds and tau, alif nm-oja",
    v: { model: "alif", rule: "oja", modulated: true },
    extra: {
      encoder: { kind: "grf", size: 3, centers: 4, sigma: 0.6, low: -1, high: 2, tau: 3 },
      decoder: { kind: "count", size: 2, window: 8, tau: 3 },
      hidden: { size: 6, neuron: { model: "alif", tau: 10 }, learnThreshold: true, learnTau: true },
    },
    groups: [...DEFAULT_GROUPS, "hidden.threshold", "hidden.tau", "hidden.bias", "encoder.gain", "encoder.bias", "decoder.W", "decoder.b"],
  },
  {
    name: "reset to zero, refractory 3, Gaussian surrogate, lif hebb",
    v: { model: "lif", rule: "hebb", modulated: false },
    extra: { hidden: { size: 6, neuron: { model: "lif", tau: 10, reset: "zero", refractory: 3 } }, surrogate: { kind: "gaussian", scale: 1, gamma: 0.5 } },
  },
  {
    name: "fast-sigmoid surrogate, lif nm-stdp",
    v: { model: "lif", rule: "stdp", modulated: true },
    extra: { surrogate: { kind: "fastSigmoid", scale: 2, gamma: 0.5 } },
  },
];

describe("engines agree on spec options", () => {
  for (const c of cases) {
    it(`${c.name}: 1000-step parity (B = 2) and gradient check`, () => {
      const spec = variantSpec(c.v, { nIn: 3, nHid: 6, nOut: 2 }, c.extra);
      const p = kernelTensorParity(spec, 1000, 2, 5);
      expect(p.spikeRate).toBeGreaterThan(0.02);
      expect(p.firstSpikeMismatch).toBe(-1);
      expect(p.maxOutputError).toBeLessThan(1e-5);
      expect(p.maxModulatorError).toBeLessThan(1e-5);
      const small = structuredClone(c.extra) as { hidden?: { size: number } };
      if (small.hidden) small.hidden.size = 4;
      const g = gradCheck(variantSpec(c.v, { nIn: 2, nHid: 4, nOut: 2 }, small), { steps: 50, perGroup: 2, ...(c.groups ? { groups: c.groups } : {}) });
      expect(Object.keys(g.groups)).toEqual(expect.arrayContaining(["input.W", "input.alpha", "input.eta", "recurrent.alpha", "recurrent.eta", ...(c.groups?.slice(DEFAULT_GROUPS.length) ?? [])]));
      expect(g.maxRelError, JSON.stringify(g.groups)).toBeLessThan(1e-2);
    });
  }
});

describe("the kernel's float32 tanh and exp (src/snn/f32math.ts) are the tensor backend's", () => {
  it("bit for bit on 2e5 inputs each (WASM backend)", async () => {
    if ((await selectTensorBackend()) !== "wasm") return; // only the WASM backend's tanhf/expf are reproduced
    const x = new Float32Array(200_000);
    for (let k = 0; k < x.length; k++) x[k] = Math.fround(Math.sin(k * 12.9898) * (k % 3 === 0 ? 12 : k % 3 === 1 ? 1 : 1e-3));
    x.set([0, -0, 1e-40, 9, 10, 10.5, -88, 88.7, -104, Infinity, -Infinity]);
    const th = tf.tidy(() => tf.tanh(tf.tensor1d(x)).dataSync());
    const ex = tf.tidy(() => tf.exp(tf.tensor1d(x)).dataSync());
    let tanhBad = 0, expBad = 0;
    for (let k = 0; k < x.length; k++) {
      if (!Object.is(tanhf(x[k]!), th[k])) tanhBad++;
      if (!Object.is(expf(x[k]!), ex[k])) expBad++;
    }
    expect({ tanhBad, expBad }).toEqual({ tanhBad: 0, expBad: 0 });
  });
});

describe("engines agree exactly on Izhikevich spike trains", () => {
  it("with an eligibility trace, every rule (1000 steps, B = 2)", () => {
    for (const r of RULE_VARIANTS) {
      if (r.rule === "none") continue;
      const v: Variant = { model: "izhikevich", ...r };
      const p = kernelTensorParity(variantSpec(v, { nIn: 3, nHid: 6, nOut: 2 }, elig(r.rule, r.modulated)), 1000, 2, 5);
      expect(p.spikeRate, variantName(v)).toBeGreaterThan(0.02);
      expect(p.firstSpikeMismatch, `${variantName(v)}: first mismatch at step ${p.firstSpikeMismatch}`).toBe(-1);
      expect(p.maxOutputError).toBeLessThan(1e-5);
      expect(p.maxModulatorError).toBeLessThan(1e-5);
    }
  });
  it("with a leaky H, every rule (1000 steps, B = 2)", () => {
    for (const r of RULE_VARIANTS) {
      if (r.rule === "none") continue;
      const v: Variant = { model: "izhikevich", ...r };
      const p = kernelTensorParity(variantSpec(v, { nIn: 3, nHid: 6, nOut: 2 }, leaky(r.rule, r.modulated)), 1000, 2, 5);
      expect(p.spikeRate, variantName(v)).toBeGreaterThan(0.02);
      expect(p.firstSpikeMismatch, `${variantName(v)}: first mismatch at step ${p.firstSpikeMismatch}`).toBe(-1);
      expect(p.maxOutputError).toBeLessThan(1e-5);
      expect(p.maxModulatorError).toBeLessThan(1e-5);
    }
  });
  it("64 hidden neurons (more than 48 presynaptic inputs), nm-stdp and oja, B = 2, 400 steps", () => {
    for (const v of [{ model: "izhikevich", rule: "stdp", modulated: true }, { model: "izhikevich", rule: "oja", modulated: false }] as Variant[]) {
      const p = kernelTensorParity(variantSpec(v, { nIn: 8, nHid: 64, nOut: 2 }), 400, 2, 0);
      expect(p.spikeRate).toBeGreaterThan(0.02);
      expect(p.firstSpikeMismatch, `${variantName(v)}: first mismatch at step ${p.firstSpikeMismatch}`).toBe(-1);
    }
  });
});

describe("tensor engine pseudo-derivatives (hard spikes)", () => {
  /** stdpLif (refractory 2) fed by two encoder neurons. Step 0: input 0 makes the hidden neuron spike, or not.
   *  Step 1: input 1 (x = 0.2) stays below the encoder threshold; d action(1) / d x(1) runs through the encoder
   *  surrogate, W = 0.3, the hidden surrogate (refractory or not) and the leaky decoder. */
  function gradOfAction(kind: (typeof SURROGATES)[number], spikeFirst: boolean): { grad: number; expected: number } {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 2, tau: 1 },
      hidden: { size: 1, neuron: { model: "stdpLif", tau: 1e9, threshold: 1, refractory: 2 } },
      projections: { input: { plastic: false }, recurrent: { enabled: false } },
      surrogate: { kind, scale: 0.5, gamma: 0.5 },
      decoder: { kind: "leaky", size: 1, tau: 5 },
    });
    const params = initParams(spec, 1);
    const lay = buildLayout(spec);
    lay.view(params, "encoder.gain").fill(2);
    lay.view(params, "encoder.bias").fill(0);
    lay.view(params, "input.W").set([1.5, 0.3]);
    lay.view(params, "decoder.W").fill(1);
    lay.view(params, "decoder.b").fill(0);
    const net = createTensorNet(spec);
    const x1 = 0.2;
    const g = tf.tidy(() => {
      const P = tf.tensor1d(params);
      const X = tf.tensor3d([spikeFirst ? 1 : 0, 0, 0, x1], [2, 1, 2]);
      const f = (x: tf.Tensor): tf.Tensor => tf.sum(tf.slice(net.simulate(P, x as tf.Tensor3D), [1, 0, 0], [1, 1, 1]));
      return { grad: tf.grad(f)(X).arraySync() as number[][][], out: (net.simulate(P, X).arraySync() as number[][][])[1]![0]![0]! };
    });
    const s = spec.surrogate;
    const l = Math.exp(-1 / 5);
    const vvIn1 = 2 * x1; // encoder 1 was silent at step 0
    const dEnc = surrogateGrad(s, vvIn1 - 1, false) * 2;
    // the hidden neuron is cleared at its spike (or never moved): v(0) = 0, vn(1) = 0 (input 1 did not spike)
    const dHid = surrogateGrad(s, 0 - 1, spikeFirst);
    const expected = (1 - g.out * g.out) * (1 - l) * 1 * dHid * 0.3 * dEnc;
    return { grad: g.grad[1]![0]![1]!, expected };
  }

  it("dz/dv is the spec's surrogate outside refractoriness and -gamma inside it for refractoryNegative (0 for the others)", () => {
    for (const kind of SURROGATES) {
      for (const spikeFirst of [false, true]) {
        const r = gradOfAction(kind, spikeFirst);
        expect(r.grad, `${kind} refractory=${spikeFirst}`).toBeCloseTo(r.expected, 6);
        if (spikeFirst && kind !== "refractoryNegative") expect(r.grad).toBe(0);
        if (spikeFirst && kind === "refractoryNegative") expect(r.grad).toBeLessThan(-1e-3);
        if (!spikeFirst) expect(Math.abs(r.grad)).toBeGreaterThan(1e-3);
      }
    }
  });
});

describe("tensor engine bad input names the field", () => {
  const spec = variantSpec({ model: "lif", rule: "hebb", modulated: true }, { nIn: 3, nHid: 4, nOut: 2 });
  const n = buildLayout(spec).size;
  const ok = () => [new Float32Array(6), new Float32Array(6)];
  function errorOf(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  }
  it("parameter vector of the wrong length, input and target shape mismatch, bad batch", () => {
    const net = createTensorNet(spec);
    expect(errorOf(() => net.run(new Float32Array(n + 1), ok(), 2))).toBe(`params: parameter vector has ${n + 1} values but the network layout needs ${n}`);
    expect(errorOf(() => net.run(initParams(spec, 1), [new Float32Array(6), new Float32Array(5)], 2))).toBe("inputs[1]: expected 6 values (batch 2 x 3), got 5");
    expect(errorOf(() => net.run(initParams(spec, 1), ok(), 0))).toBe("batch: must be an integer >= 1, got 0");
    expect(errorOf(() => net.lossAndGrad(initParams(spec, 1), ok(), [new Float32Array(4)], 2))).toBe("targets: expected 2 steps, got 1");
    expect(errorOf(() => net.lossAndGrad(initParams(spec, 1), ok(), [new Float32Array(4), new Float32Array(3)], 2))).toBe("targets[1]: expected 4 values, got 3");
  });
});
