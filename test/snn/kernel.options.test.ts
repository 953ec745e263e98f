/**
 * The WASM SIMD kernel equals the JS kernel bit for bit on every spec option beyond model x rule (delays, GRF encoder,
 * count decoder, learned thresholds and time constants, reset to zero, scalar fan-out, per-synapse eta, static or
 * disabled projections, non-finite parameters, a leaky H with those options and one that decays below float32 range), 3 seeds x B = 1 and 3 (test/support/kernel-lockstep.ts); its expf / tanhf
 * are f32math.ts's; how the kernel is chosen; bad arguments; state views that stay valid.
 */
import { describe, expect, it } from "vitest";
import { createKernelNet, KERNEL_ENV, kernelSupport, resolveKernel } from "../../src/snn/kernel.ts";
import { createWasmKernelNet, instantiateKernel } from "../../src/snn/kernel-wasm.ts";
import { expf, tanhf } from "../../src/snn/f32math.ts";
import { initParams } from "../../src/snn/layout.ts";
import { randomInputs, variantSpec, type Variant } from "../../src/snn/variants.ts";
import { checkSeeds, eligibility, plasticityWith, printTally, SIZES } from "../support/kernel-lockstep.ts";

describe("wasm-simd kernel = js kernel, bit for bit: spec options", () => {
  const tally = { runs: 0, mismatches: 0 };
  const lif: Variant = { model: "lif", rule: "hebb", modulated: true };
  const delays = (kind: "axon" | "synapse") => ({ input: { initScale: 2, delay: { kind, max: 4 } }, recurrent: { delay: { kind, max: 3 } } });
  const options: Array<{ name: string; v: Variant; extra: Record<string, unknown>; corrupt?: boolean }> = [
    { name: "axon delays, nm-hebb", v: lif, extra: { projections: delays("axon") } },
    { name: "axon delays, izhikevich nm-hebb + eligibility", v: { ...lif, model: "izhikevich" }, extra: { projections: delays("axon"), ...eligibility(lif) } },
    { name: "axon delays, stdp", v: { ...lif, rule: "stdp" }, extra: { projections: delays("axon") } },
    { name: "axon delays, nm-stdp + eligibility", v: { ...lif, rule: "stdp" }, extra: { projections: delays("axon"), ...eligibility({ ...lif, rule: "stdp" }) } },
    ...(["hebb", "oja", "bcm"] as const).flatMap((rule) => [
      { name: `per-synapse delays and eta, nm-${rule}`, v: { ...lif, rule }, extra: { projections: delays("synapse"), plasticity: { rule, modulated: true, eta: "synapse", etaInit: 0.1, tauRate: 10, tauTheta: 30 } } },
      { name: `per-synapse delays and eta, ${rule} + eligibility`, v: { ...lif, rule, modulated: false }, extra: { projections: delays("synapse"), plasticity: { rule, eta: "synapse", etaInit: 0.1, eligibilityTau: 10, tauRate: 10, tauTheta: 30 } } },
    ]),
    { name: "per-synapse eta, nm-stdp", v: { ...lif, rule: "stdp" }, extra: { plasticity: { rule: "stdp", modulated: true, eta: "synapse", etaInit: 0.1 } } },
    { name: "scalar fan-out, per-synapse eta, nm-bcm", v: { ...lif, rule: "bcm" }, extra: { plasticity: { rule: "bcm", modulated: true, fanout: "scalar", eta: "synapse", etaInit: 0.1, tauRate: 10, tauTheta: 30 } } },
    {
      name: "GRF encoder, count decoder, learned thresholds and tau, alif nm-oja",
      v: { model: "alif", rule: "oja", modulated: true },
      extra: {
        encoder: { kind: "grf", size: 3, centers: 4, sigma: 0.6, low: -1, high: 2, tau: 3 },
        decoder: { kind: "count", size: 2, window: 8, tau: 3 },
        hidden: { size: 21, neuron: { model: "alif", tau: 10 }, learnThreshold: true, learnTau: true },
      },
    },
    { name: "reset to zero, refractory 3, hebb", v: { ...lif, modulated: false }, extra: { hidden: { size: 13, neuron: { model: "lif", tau: 10, reset: "zero", refractory: 3 } } } },
    { name: "static recurrent projection, plastic input, nm-hebb", v: lif, extra: { projections: { input: { initScale: 2 }, recurrent: { plastic: false } } } },
    { name: "disabled recurrent projection, nm-oja", v: { ...lif, rule: "oja" }, extra: { projections: { input: { initScale: 2 }, recurrent: { enabled: false } } } },
    { name: "static input projection, plastic recurrent, stdp", v: { ...lif, rule: "stdp", modulated: false }, extra: { projections: { input: { initScale: 2, plastic: false }, recurrent: { initScale: 1 } } } },
    { name: "non-finite parameters (an infinite weight, NaN delays), nm-hebb", v: lif, extra: { projections: delays("axon") }, corrupt: true },
    { name: "non-finite parameters, per-synapse delays, oja", v: { ...lif, rule: "oja" }, extra: { projections: delays("synapse") }, corrupt: true },
    ...(["hebb", "oja", "bcm", "stdp"] as const).flatMap((rule) => [
      { name: `leaky H, scalar fan-out, per-synapse eta, nm-${rule}`, v: { ...lif, rule }, extra: plasticityWith({ ...lif, rule }, { fanout: "scalar", eta: "synapse", decayTau: 20 }) },
      // l_h = exp(-2): H underflows through the subnormals to zero (the + 0 that keeps its sign canonical)
      { name: `leaky H with decayTau 0.5, nm-${rule}`, v: { ...lif, rule }, extra: plasticityWith({ ...lif, rule }, { decayTau: 0.5 }) },
    ]),
    ...(["hebb", "oja", "bcm"] as const).flatMap((rule) => [
      { name: `leaky H, per-synapse delays and eta, nm-${rule}`, v: { ...lif, rule }, extra: { projections: delays("synapse"), ...plasticityWith({ ...lif, rule }, { eta: "synapse", decayTau: 20 }) } },
      { name: `leaky H, per-synapse delays and eta, ${rule} + eligibility`, v: { ...lif, rule, modulated: false }, extra: { projections: delays("synapse"), ...plasticityWith({ ...lif, rule, modulated: false }, { eta: "synapse", eligibilityTau: 10, decayTau: 20 }) } },
    ]),
    { name: "leaky H, non-finite parameters, nm-hebb", v: lif, extra: { projections: delays("axon"), ...plasticityWith(lif, { decayTau: 20 }) }, corrupt: true },
  ];
  for (const o of options) {
    it(`${o.name}: 3 seeds x B = 1, 3`, () => checkSeeds(o.v, o.extra, tally, { corruptParams: o.corrupt === true, maxHidden: 40 }));
  }
  printTally("spec options", tally);
});


describe("the WASM kernel's expf and tanhf are f32math.ts's (musl's), bit for bit", () => {
  it("on 3e5 inputs spread over the ranges where each branch applies, and the special values", () => {
    const { exports: ex } = instantiateKernel();
    const x = new Float32Array(300_000);
    for (let k = 0; k < x.length; k++) x[k] = Math.fround(Math.sin(k * 12.9898) * [120, 12, 1, 0.3, 1e-3, 1e-8][k % 6]!);
    x.set([0, -0, 1e-45, -1e-40, 9, 10, 10.5, -88, 88.7, 88.73, -104, -103.9, Infinity, -Infinity, NaN, 0.2554, 0.5493, 27 * Math.LN2]);
    let expBad = 0, tanhBad = 0;
    for (const v of x) {
      if (!Object.is(ex.expf32(v), expf(v))) expBad++;
      if (!Object.is(ex.tanhf32(v), tanhf(v))) tanhBad++;
    }
    expect({ expBad, tanhBad }).toEqual({ expBad: 0, tanhBad: 0 });
  });
});

describe("kernel choice", () => {
  const spec = variantSpec({ model: "lif", rule: "hebb", modulated: true }, SIZES[0]!);
  const params = initParams(spec, 1);
  it("auto picks wasm-simd where WebAssembly SIMD validates; the option and SPIKELOCO_KERNEL force either kernel", () => {
    expect(kernelSupport()).toEqual({ wasmSimd: true, reason: null });
    const saved = process.env[KERNEL_ENV];
    try {
      delete process.env[KERNEL_ENV];
      expect(createKernelNet(spec, params).kernel).toBe("wasm-simd");
      expect(createKernelNet(spec, params, 1, { kernel: "js" }).kernel).toBe("js");
      process.env[KERNEL_ENV] = "js";
      expect(createKernelNet(spec, params).kernel).toBe("js");
      expect(createKernelNet(spec, params, 1, { kernel: "wasm-simd" }).kernel).toBe("wasm-simd");
      process.env[KERNEL_ENV] = "wasm";
      expect(() => resolveKernel()).toThrow("SPIKELOCO_KERNEL: unknown kernel 'wasm' (expected auto, wasm-simd, js)");
      process.env[KERNEL_ENV] = "auto";
      expect(resolveKernel()).toBe("wasm-simd");
    } finally {
      if (saved === undefined) delete process.env[KERNEL_ENV];
      else process.env[KERNEL_ENV] = saved;
    }
  });
  it("both kernels reject bad arguments with the same one-line errors", () => {
    for (const kernel of ["wasm-simd", "js"] as const) {
      const net = createKernelNet(spec, params, 2, { kernel });
      expect(() => createKernelNet(spec, params, 0, { kernel })).toThrow("batch: must be an integer >= 1, got 0");
      expect(() => createKernelNet(spec, params.subarray(1), 1, { kernel })).toThrow(`params: parameter vector has ${params.length - 1} values`);
      expect(() => net.step(new Float32Array(5), new Float32Array(4))).toThrow("input: expected 6 values (batch 2 x 3), got 5");
      expect(() => net.step(new Float32Array(6), new Float32Array(3))).toThrow("output: expected 4 values (batch 2 x 2), got 3");
      expect(() => net.reset(2)).toThrow("batchIndex: must be an integer in [0, 1], got 2");
      expect(() => net.setParams(new Float32Array(3))).toThrow("params: parameter vector has 3 values");
    }
  });
  it("the WASM kernel's state views stay valid and step allocates no memory (the buffer never grows)", () => {
    const net = createWasmKernelNet(spec, params, 2);
    const buffer = net.hiddenVoltage.buffer;
    const xs = randomInputs(3, 300, 2, spec.encoder.size);
    const out = new Float32Array(4);
    for (const x of xs) net.step(x, out);
    net.setParams(params);
    net.reset(1);
    expect(net.hiddenVoltage.buffer).toBe(buffer);
    expect(buffer.byteLength).toBeGreaterThan(0); // not detached
    expect(net.hiddenSpikes.buffer).toBe(buffer);
    expect(net.plasticTrace("recurrent", 1)!.buffer).toBe(buffer);
  });
});
