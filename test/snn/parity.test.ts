/**
 * Parity of the kernel engine with the float64 reference (500 steps for every neuron model x rule, 200 with
 * eligibility traces, with a leaky H (decayTau) and with both, plus delays, GRF encoding and the spike-count decoder). The 1000-step parity of the
 * two engines is in test/snn/engines.*.test.ts.
 * Tolerance: identical hidden spike trains at every step; actions within 1e-5; final H within 1e-4.
 * Documented exception: Izhikevich (see the note on IZHIKEVICH_MIN_AGREEMENT).
 * Every check runs on both kernels (wasm-simd and js) against the same reference run.
 */
import { describe, expect, it } from "vitest";
import { createKernelNet, KERNELS, type KernelKind } from "../../src/snn/kernel.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { runReference } from "../../src/snn/reference.ts";
import type { NetworkSpec } from "../../src/snn/spec.ts";
import { allVariants, randomInputs, variantName, variantSpec, type Variant } from "../../src/snn/variants.ts";

/** The Euler Izhikevich upstroke multiplies a perturbation by 1 + dt(0.08 v + 5) per step (> 1 above -62.5 mV),
 *  so float32 vs float64 rounding (1e-7) grows until a spike lands one step apart; after that the trains differ.
 *  Against this float64 reference we require identical trains until then (at least IZHIKEVICH_MIN_AGREEMENT steps).
 *  The two float32 engines round every operation alike and agree exactly over 1000 steps (test/support/engine-parity-suite.ts
 *  states the tolerance). */
const IZHIKEVICH_MIN_AGREEMENT = 20;

function compare(spec: NetworkSpec, T: number, B: number, seed: number) {
  const params = initParams(spec, seed);
  const inputs = randomInputs(seed + 1, T, B, spec.encoder.size);
  const ref = runReference(spec, params, inputs, B);
  return KERNELS.map((kernel) => ({ kernel, ...compareKernel(kernel, spec, params, inputs, ref, T, B) }));
}

function compareKernel(kernel: KernelKind, spec: NetworkSpec, params: Float32Array, inputs: Float32Array[], ref: ReturnType<typeof runReference>, T: number, B: number) {
  const nOut = spec.decoder.size, nHid = spec.hidden.size;
  const net = createKernelNet(spec, params, B, { kernel });
  const out = new Float32Array(B * nOut);
  let firstMismatch = -1, outErr = 0, spikes = 0;
  for (let t = 0; t < T; t++) {
    net.step(inputs[t]!, out);
    for (let k = 0; k < B * nHid; k++) {
      spikes += net.hiddenSpikes[k]!;
      if (firstMismatch < 0 && net.hiddenSpikes[k] !== ref.spikes[t]![k]) firstMismatch = t;
    }
    if (firstMismatch < 0) for (let k = 0; k < B * nOut; k++) outErr = Math.max(outErr, Math.abs(out[k]! - ref.outputs[t]![k]!));
  }
  let hErr = 0;
  for (const name of ["input", "recurrent"] as const) {
    const Hr = ref.H[name];
    if (!Hr || firstMismatch >= 0) continue;
    for (let b = 0; b < B; b++) {
      const Hk = net.plasticTrace(name, b)!;
      for (let k = 0; k < Hk.length; k++) hErr = Math.max(hErr, Math.abs(Hk[k]! - Hr[b * Hk.length + k]!));
    }
  }
  return { firstMismatch, outErr, hErr, rate: spikes / (T * B * nHid) };
}

const sizes = { nIn: 3, nHid: 8, nOut: 2 };

function check(v: Variant, extra: Record<string, unknown>, T = 500) {
  const spec = variantSpec(v, sizes, extra);
  for (const r of compare(spec, T, 2, 7)) {
    expect(r.rate, r.kernel).toBeGreaterThan(0.02);
    if (v.model === "izhikevich") {
      expect(r.firstMismatch === -1 || r.firstMismatch >= IZHIKEVICH_MIN_AGREEMENT, `${r.kernel}: first mismatch at step ${r.firstMismatch}`).toBe(true);
    } else {
      expect(r.firstMismatch, `${r.kernel}: first mismatch`).toBe(-1);
      expect(r.hErr, r.kernel).toBeLessThan(1e-4);
    }
    expect(r.outErr, r.kernel).toBeLessThan(1e-5);
  }
}

describe("kernel engine vs float64 reference", () => {
  for (const v of allVariants()) {
    it(variantName(v), () => check(v, {}));
    if (v.rule !== "none") {
      const plasticity = (o: Record<string, unknown>) => ({ plasticity: { rule: v.rule, modulated: v.modulated, etaInit: 0.1, tauRate: 10, tauTheta: 30, ...o } });
      it(`${variantName(v)} + eligibility trace`, () => check(v, plasticity({ eligibilityTau: 10 }), 200));
      it(`${variantName(v)} + leaky H`, () => check(v, plasticity({ decayTau: 20 }), 200));
      it(`${variantName(v)} + eligibility trace + leaky H`, () => check(v, plasticity({ eligibilityTau: 10, decayTau: 20 }), 200));
    }
  }
  const lif = { model: "lif" as const, rule: "hebb" as const, modulated: true };
  it("axon delays (fractional) on both projections", () =>
    check(lif, { projections: { input: { initScale: 2, delay: { kind: "axon", max: 5 } }, recurrent: { delay: { kind: "axon", max: 3 } } } }));
  it("per-synapse delays with per-synapse eta (hebb, oja, bcm)", () => {
    for (const rule of ["hebb", "oja", "bcm"] as const) {
      check({ ...lif, rule }, {
        plasticity: { rule, modulated: true, eta: "synapse", etaInit: 0.1 },
        projections: { input: { initScale: 2, delay: { kind: "synapse", max: 4 } }, recurrent: { delay: { kind: "synapse", max: 2 } } },
      }, 400);
    }
  });
  it("stdp with axon delays", () =>
    check({ ...lif, rule: "stdp" }, { projections: { input: { initScale: 2, delay: { kind: "axon", max: 4 } }, recurrent: { delay: { kind: "axon", max: 2 } } } }));
  it("GRF encoder and spike-count decoder, learned thresholds and time constants", () =>
    check({ model: "alif", rule: "oja", modulated: true }, {
      encoder: { kind: "grf", size: 3, centers: 4, sigma: 0.6, low: -1, high: 2, tau: 3 },
      decoder: { kind: "count", size: 2, window: 8, tau: 3 },
      hidden: { size: 8, neuron: { model: "alif", tau: 10 }, learnThreshold: true, learnTau: true },
    }));
});

describe("sensitivity to float32 rounding (why the kernel rounds exactly like the tensor engine)", () => {
  /** First step at which a kernel run with one input weight moved by 1 ulp spikes differently (-1: never in T steps). */
  const engineSizes = { nIn: 3, nHid: 6, nOut: 2 }; // as in test/support/engine-parity-suite.ts
  function ulpDivergence(v: Variant, seed: number, T = 1000): number {
    const spec = variantSpec(v, engineSizes);
    const p = initParams(spec, seed);
    const q = Float32Array.from(p);
    const k = buildLayout(spec).entry("input.W").offset + 1;
    const bits = new Uint32Array(q.buffer, k * 4, 1);
    bits[0] = bits[0]! + 1;
    const a = createKernelNet(spec, p, 2), b = createKernelNet(spec, q, 2);
    const xs = randomInputs(seed + 1, T, 2, engineSizes.nIn);
    const oa = new Float32Array(2 * engineSizes.nOut), ob = new Float32Array(2 * engineSizes.nOut);
    for (let t = 0; t < T; t++) {
      a.step(xs[t]!, oa);
      b.step(xs[t]!, ob);
      for (let j = 0; j < a.hiddenSpikes.length; j++) if (a.hiddenSpikes[j] !== b.hiddenSpikes[j]) return t;
    }
    return -1;
  }
  it("a 1-ulp weight change alters plastic Izhikevich spike trains within 1000 steps, but not LIF, ALIF or STDP-LIF ones", () => {
    const seeds = [1, 2, 3, 4];
    const izh = seeds.map((s) => ulpDivergence({ model: "izhikevich", rule: "bcm", modulated: false }, s));
    expect(izh.some((t) => t >= 0), `izhikevich divergence steps ${izh.join(", ")}`).toBe(true);
    for (const model of ["lif", "alif", "stdpLif"] as const) {
      for (const s of seeds) expect(ulpDivergence({ model, rule: "bcm", modulated: false }, s)).toBe(-1);
    }
  });
});
