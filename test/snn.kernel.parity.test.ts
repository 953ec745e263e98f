/**
 * The WASM SIMD kernel against the JS kernel, bit for bit (a NaN equals any NaN): after every step the hidden and
 * input spikes, membrane voltages, modulator and actions, the plastic traces H of every batch element every 8 steps
 * (H feeds the next step's currents, so a difference in between shows up in the voltages anyway), and at the end
 * the non-finite input count and plasticDelta. Every neuron model x rule (with and without an eligibility trace),
 * three seeds (three network sizes: 6 hidden, 37 = every SIMD width plus a tail, 70 = more than 48 presynaptic rows,
 * two summation blocks), B = 1 and B = 3; then every other spec option (delays, GRF encoder, count decoder, learned
 * thresholds and time constants, reset to zero, scalar fan-out, per-synapse eta, static or disabled projections,
 * non-finite parameters). Each run also goes through the API mid-run: non-finite inputs, reset of one element,
 * setParams, freezePlasticity. The WASM kernel runs three ways at once: as tuned, with whole-row (dense) plastic
 * updates forced, and with neuron-by-neuron (sparse) updates forced.
 */
import { describe, expect, it } from "vitest";
import { createKernelNet, KERNEL_ENV, kernelSupport, resolveKernel, type KernelNet } from "../src/snn/kernel.ts";
import { createJsKernelNet } from "../src/snn/kernel-js.ts";
import { createWasmKernelNet, instantiateKernel } from "../src/snn/kernel-wasm.ts";
import { expf, tanhf } from "../src/snn/f32math.ts";
import { buildLayout, initParams } from "../src/snn/layout.ts";
import type { NetworkSpec } from "../src/snn/spec.ts";
import { allVariants, randomInputs, variantName, variantSpec, type Variant } from "../src/snn/variants.ts";

const T = 400;
const SIZES = [{ nIn: 3, nHid: 6, nOut: 2 }, { nIn: 5, nHid: 37, nOut: 3 }, { nIn: 8, nHid: 70, nOut: 2 }];

function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k] && !(Number.isNaN(a[k]) && Number.isNaN(b[k]))) return k;
  return -1;
}
function sameBytes(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return k;
  return -1;
}

/** First difference between the two nets' observable state (H too when withH), or "". */
function diff(a: KernelNet, b: KernelNet, oa: Float32Array, ob: Float32Array, withH: boolean): string {
  const checks: Array<[string, number]> = [
    ["actions", sameBits(oa, ob)],
    ["hiddenSpikes", sameBytes(a.hiddenSpikes, b.hiddenSpikes)],
    ["inputSpikes", sameBytes(a.inputSpikes, b.inputSpikes)],
    ["hiddenVoltage", sameBits(a.hiddenVoltage, b.hiddenVoltage)],
    ["modulator", sameBits(a.modulator, b.modulator)],
  ];
  for (const name of withH ? (["input", "recurrent"] as const) : []) {
    for (let e = 0; e < a.batch; e++) {
      const ha = a.plasticTrace(name, e), hb = b.plasticTrace(name, e);
      if ((ha === null) !== (hb === null)) return `${name} plasticity present in one kernel only`;
      if (ha && hb) checks.push([`${name} H[b=${e}]`, sameBits(ha, hb)]);
    }
  }
  const bad = checks.find(([, k]) => k >= 0);
  return bad ? `${bad[0]} differ at index ${bad[1]}` : "";
}

/** Runs the JS kernel and three WASM kernels side by side; returns the first difference ("" if none) and the spike rate. */
function lockstep(spec: NetworkSpec, seed: number, B: number, opts: { corruptParams?: boolean } = {}): { diff: string; rate: number } {
  const params = initParams(spec, seed);
  if (opts.corruptParams) {
    const lay = buildLayout(spec);
    lay.view(params, "input.W")[1] = Infinity;
    for (const e of lay.entries) if (e.name.endsWith(".delay")) params[e.offset] = NaN;
  }
  const nIn = spec.encoder.size, nOut = spec.decoder.size;
  const js = createJsKernelNet(spec, params, B);
  const wasm = [createWasmKernelNet(spec, params, B), createWasmKernelNet(spec, params, B, { denseFactor: 1e9 }), createWasmKernelNet(spec, params, B, { denseFactor: 0 })];
  const names = ["wasm", "wasm (dense updates)", "wasm (sparse updates)"];
  const xs = randomInputs(seed + 11, T, B, nIn);
  xs[37]![0] = NaN;
  xs[91]![B * nIn - 1] = Infinity;
  xs[92]![0] = -Infinity;
  const other = Float32Array.from(params, (p, k) => p * (1 + 0.05 * Math.sin(k)));
  const oj = new Float32Array(B * nOut), ow = new Float32Array(B * nOut);
  let spikes = 0;
  for (let t = 0; t < T; t++) {
    const all = [js, ...wasm];
    if (t === 150) for (const n of all) n.reset(B - 1);
    if (t === 200) for (const n of all) n.setParams(other);
    if (t === 250) for (const n of all) n.freezePlasticity(true);
    if (t === 300) for (const n of all) n.freezePlasticity(false);
    if (t === 350) for (const n of all) n.reset();
    js.step(xs[t]!, oj);
    for (const k of js.hiddenSpikes) spikes += k;
    for (let w = 0; w < wasm.length; w++) {
      wasm[w]!.step(xs[t]!, ow);
      const d = diff(js, wasm[w]!, oj, ow, t % 8 === 7 || t === T - 1);
      if (d) return { diff: `${names[w]} step ${t}: ${d}`, rate: spikes / ((t + 1) * B * spec.hidden.size) };
    }
  }
  for (let w = 0; w < wasm.length; w++) {
    const n = wasm[w]!;
    if (n.nonFiniteInputs !== js.nonFiniteInputs) return { diff: `${names[w]}: nonFiniteInputs ${n.nonFiniteInputs} vs ${js.nonFiniteInputs}`, rate: 0 };
    for (let e = 0; e < B; e++) if (!Object.is(n.plasticDelta(e), js.plasticDelta(e))) return { diff: `${names[w]}: plasticDelta(${e}) differs`, rate: 0 };
    if (n.plasticityFrozen !== js.plasticityFrozen) return { diff: `${names[w]}: plasticityFrozen differs`, rate: 0 };
  }
  expect(js.nonFiniteInputs).toBe(3);
  return { diff: "", rate: spikes / (T * B * spec.hidden.size) };
}

const eligibility = (v: Variant) => ({ plasticity: { rule: v.rule, modulated: v.modulated, etaInit: 0.1, eligibilityTau: 10, tauRate: 10, tauTheta: 30 } });

describe("wasm-simd kernel = js kernel, bit for bit", () => {
  const tally = { runs: 0, mismatches: 0 };
  for (const v of allVariants()) {
    for (const elig of v.rule === "none" ? [false] : [false, true]) {
      it(`${variantName(v)}${elig ? " + eligibility trace" : ""}: 3 seeds x B = 1, 3`, () => {
        for (let seed = 0; seed < 3; seed++) {
          const spec = variantSpec(v, SIZES[seed]!, elig ? eligibility(v) : {});
          for (const B of [1, 3]) {
            const r = lockstep(spec, seed, B);
            tally.runs++;
            if (r.diff) tally.mismatches++;
            expect(r.diff, `seed ${seed}, B = ${B}`).toBe("");
            expect(r.rate, `seed ${seed}, B = ${B}: spike rate`).toBeGreaterThan(0.02);
          }
        }
      });
    }
  }

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
  ];
  for (const o of options) {
    it(`${o.name}: 3 seeds x B = 1, 3`, () => {
      for (let seed = 0; seed < 3; seed++) {
        const spec = variantSpec(o.v, { ...SIZES[seed]!, nHid: Math.min(SIZES[seed]!.nHid, 40) }, o.extra);
        for (const B of [1, 3]) {
          const r = lockstep(spec, seed, B, { corruptParams: o.corrupt === true });
          tally.runs++;
          if (r.diff) tally.mismatches++;
          expect(r.diff, `seed ${seed}, B = ${B}`).toBe("");
          if (!o.corrupt) expect(r.rate, `seed ${seed}, B = ${B}: spike rate`).toBeGreaterThan(0.02);
        }
      }
    });
  }

  it("tally (printed for the record)", () => {
    process.stderr.write(`wasm-simd vs js: ${tally.runs} runs (x3 WASM update modes, ${T} steps each), ${tally.mismatches} with a difference\n`);
    expect(tally.runs).toBeGreaterThan(0);
  });
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
