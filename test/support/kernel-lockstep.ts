/**
 * Shared body of test/snn/kernel.parity.test.ts (every model x rule) and test/snn/kernel.options.test.ts (every
 * other spec option): the WASM SIMD kernel against the JS kernel, bit for bit (a NaN equals any NaN). After every
 * step: the hidden and input spikes, membrane voltages, modulator and actions, the plastic traces H of every batch element every 8 steps
 * (H feeds the next step's currents, so a difference in between shows up in the voltages anyway), and at the end
 * the non-finite input count and plasticDelta. Every neuron model x rule (with and without an eligibility trace, with
 * and without a leaky H),
 * three seeds (three network sizes: 6 hidden, 37 = every SIMD width plus a tail, 70 = more than 48 presynaptic rows,
 * two summation blocks), B = 1 and B = 3; then every other spec option (delays, GRF encoder, count decoder, learned
 * thresholds and time constants, reset to zero, scalar fan-out, per-synapse eta, static or disabled projections,
 * non-finite parameters). Each run also goes through the API mid-run: non-finite inputs, reset of one element,
 * setParams, freezePlasticity. The WASM kernel runs three ways at once: as tuned, with whole-row (dense) plastic
 * updates forced, and with neuron-by-neuron (sparse) updates forced.
 */
import { afterAll, expect } from "vitest";
import type { KernelNet } from "../../src/snn/kernel.ts";
import { createJsKernelNet } from "../../src/snn/kernel-js.ts";
import { createWasmKernelNet } from "../../src/snn/kernel-wasm.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import type { NetworkSpec } from "../../src/snn/spec.ts";
import { randomInputs, variantSpec, type Variant } from "../../src/snn/variants.ts";

export const T = 300;
export const SIZES = [{ nIn: 3, nHid: 6, nOut: 2 }, { nIn: 5, nHid: 37, nOut: 3 }, { nIn: 8, nHid: 70, nOut: 2 }];

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
export function lockstep(spec: NetworkSpec, seed: number, B: number, opts: { corruptParams?: boolean } = {}): { diff: string; rate: number } {
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
    if (t === 100) for (const n of all) n.reset(B - 1);
    if (t === 150) for (const n of all) n.setParams(other);
    if (t === 200) for (const n of all) n.freezePlasticity(true);
    if (t === 240) for (const n of all) n.freezePlasticity(false);
    if (t === 270) for (const n of all) n.reset();
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

/** The variant's plasticity with the given options (eligibilityTau, decayTau, fanout, ...). */
export const plasticityWith = (v: Variant, options: Record<string, unknown>) => ({ plasticity: { rule: v.rule, modulated: v.modulated, etaInit: 0.1, tauRate: 10, tauTheta: 30, ...options } });
export const eligibility = (v: Variant) => plasticityWith(v, { eligibilityTau: 10 });
/** H decays with time constant 20 steps, with or without an eligibility trace. */
export const leakyH = (v: Variant, elig: boolean) => plasticityWith(v, elig ? { eligibilityTau: 10, decayTau: 20 } : { decayTau: 20 });



/** Runs `seeds` seeds (network size SIZES[seed], nHid capped at maxHidden) x B = 1 and 3 in lockstep; counts them in `tally`. */
export function checkSeeds(v: Variant, extra: Record<string, unknown>, tally: { runs: number; mismatches: number }, opts: { corruptParams?: boolean; maxHidden?: number } = {}): void {
  for (let seed = 0; seed < SIZES.length; seed++) {
    const size = SIZES[seed]!;
    const spec = variantSpec(v, { ...size, nHid: Math.min(size.nHid, opts.maxHidden ?? Infinity) }, extra);
    for (const B of [1, 3]) {
      const r = lockstep(spec, seed, B, opts);
      tally.runs++;
      if (r.diff) tally.mismatches++;
      expect(r.diff, `seed ${seed}, B = ${B}`).toBe("");
      if (!opts.corruptParams) expect(r.rate, `seed ${seed}, B = ${B}: spike rate`).toBeGreaterThan(0.02);
    }
  }
}

/** Prints the tally once the suite has run (the run count is the evidence; the assertions are per run). */
export function printTally(what: string, tally: { runs: number; mismatches: number }): void {
  afterAll(() => {
    process.stderr.write(`wasm-simd vs js, ${what}: ${tally.runs} runs (each against 3 WASM update modes, ${T} steps), ${tally.mismatches} with a difference\n`);
  });
}
