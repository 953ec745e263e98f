/**
 * The flat parameter vector: every learnable quantity of a network lives in one Float32Array, in the
 * order below, so an optimiser sees one vector and an engine views slices by name.
 *
 * Entries (present when the spec needs them) and their initialisation (Gaussian draws use
 * Rng(deriveSeed(seed, name))):
 *   encoder.gain [nEnc]            1
 *   encoder.bias [nEnc]            0.25 (direct) / 0 (grf)
 *   <p>.W [nPre, nHid]             N(0, 1) * projections.<p>.initScale / sqrt(nPre)      (p = input | recurrent)
 *   <p>.alpha [nPre, nHid]         N(0, 1) * plasticity.alphaInitScale / sqrt(nPre)        (plastic)
 *   <p>.eta [1] or [nPre, nHid]    plasticity.etaInit                                      (plastic)
 *   <p>.aPlus, <p>.aMinus [1]      1, 1                                                    (plastic, stdp)
 *   <p>.delay [nPre] or [nPre,nHid] U(0, max) or the constant init, in steps              (delayed)
 *   hidden.bias [nHid]             0
 *   hidden.threshold [nHid]        neuron.threshold                                        (learnThreshold)
 *   hidden.tau [nHid]              neuron.tau (ms)                                         (learnTau)
 *   modulator.w [nHid]             N(0, 1) / sqrt(nHid)                                    (modulated)
 *   modulator.b [1]                0                                                       (modulated)
 *   modulator.fanout [nHid]        1                                                       (modulated, perPost)
 *   decoder.W [nHid, nOut]         N(0, 1) / sqrt(nHid)
 *   decoder.b [nOut]               0
 * Matrices are row-major with the presynaptic index first (row i holds the synapses leaving neuron i).
 */
import { SpikelocoError } from "../core/errors.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import { encodedSize, isPlastic, preSize, type NetworkSpec, type ProjectionName } from "./spec.ts";

export interface LayoutEntry {
  name: string;
  offset: number;
  length: number;
  shape: number[];
}

export interface ParamLayout {
  size: number;
  entries: LayoutEntry[];
  has(name: string): boolean;
  entry(name: string): LayoutEntry;
  /** A subarray view (no copy) of `params` for entry `name`. */
  view(params: Float32Array, name: string): Float32Array;
}

type Init = (rng: Rng, out: Float32Array) => void;

export const PROJECTIONS: readonly ProjectionName[] = ["input", "recurrent"];

function plan(spec: NetworkSpec): Array<{ name: string; shape: number[]; init: Init }> {
  const nEnc = encodedSize(spec);
  const nHid = spec.hidden.size;
  const nOut = spec.decoder.size;
  const constant = (v: number): Init => (_r, out) => out.fill(v);
  const gaussian = (std: number): Init => (r, out) => r.fillNormal(out, std);
  const items: Array<{ name: string; shape: number[]; init: Init }> = [];
  items.push({ name: "encoder.gain", shape: [nEnc], init: constant(1) });
  items.push({ name: "encoder.bias", shape: [nEnc], init: constant(spec.encoder.kind === "direct" ? 0.25 : 0) });
  for (const p of PROJECTIONS) {
    const proj = spec.projections[p];
    if (!proj.enabled) continue;
    const nPre = preSize(spec, p);
    items.push({ name: `${p}.W`, shape: [nPre, nHid], init: gaussian(proj.initScale / Math.sqrt(nPre)) });
    if (isPlastic(spec, p)) {
      items.push({ name: `${p}.alpha`, shape: [nPre, nHid], init: gaussian(spec.plasticity.alphaInitScale / Math.sqrt(nPre)) });
      const etaShape = spec.plasticity.eta === "synapse" ? [nPre, nHid] : [1];
      items.push({ name: `${p}.eta`, shape: etaShape, init: constant(spec.plasticity.etaInit) });
      if (spec.plasticity.rule === "stdp") {
        items.push({ name: `${p}.aPlus`, shape: [1], init: constant(1) });
        items.push({ name: `${p}.aMinus`, shape: [1], init: constant(1) });
      }
    }
    const d = proj.delay;
    if (d.kind !== "none") {
      const shape = d.kind === "axon" ? [nPre] : [nPre, nHid];
      const init: Init = d.init === "uniform"
        ? (r, out) => { for (let k = 0; k < out.length; k++) out[k] = r.range(0, d.max); }
        : constant(Math.min(d.init, d.max));
      items.push({ name: `${p}.delay`, shape, init });
    }
  }
  items.push({ name: "hidden.bias", shape: [nHid], init: constant(0) });
  const neuron = spec.hidden.neuron;
  if (spec.hidden.learnThreshold) items.push({ name: "hidden.threshold", shape: [nHid], init: constant(neuron.threshold) });
  if (spec.hidden.learnTau && neuron.model !== "izhikevich") items.push({ name: "hidden.tau", shape: [nHid], init: constant(neuron.tau) });
  if (hasModulator(spec)) {
    items.push({ name: "modulator.w", shape: [nHid], init: gaussian(1 / Math.sqrt(nHid)) });
    items.push({ name: "modulator.b", shape: [1], init: constant(0) });
    if (spec.plasticity.fanout === "perPost") items.push({ name: "modulator.fanout", shape: [nHid], init: constant(1) });
  }
  items.push({ name: "decoder.W", shape: [nHid, nOut], init: gaussian(1 / Math.sqrt(nHid)) });
  items.push({ name: "decoder.b", shape: [nOut], init: constant(0) });
  return items;
}

export function hasModulator(spec: NetworkSpec): boolean {
  return spec.plasticity.modulated && (isPlastic(spec, "input") || isPlastic(spec, "recurrent"));
}

export function buildLayout(spec: NetworkSpec): ParamLayout {
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (const item of plan(spec)) {
    const length = item.shape.reduce((a, b) => a * b, 1);
    entries.push({ name: item.name, offset, length, shape: item.shape });
    offset += length;
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const entry = (name: string): LayoutEntry => {
    const e = byName.get(name);
    if (!e) throw new SpikelocoError(`no parameter named '${name}' in this network`, "params");
    return e;
  };
  return {
    size: offset,
    entries,
    has: (name) => byName.has(name),
    entry,
    view(params, name) {
      const e = entry(name);
      return params.subarray(e.offset, e.offset + e.length);
    },
  };
}

/** A fresh parameter vector with the documented initialisation, reproducible from `seed`. */
export function initParams(spec: NetworkSpec, seed: number): Float32Array {
  const layout = buildLayout(spec);
  const params = new Float32Array(layout.size);
  const items = plan(spec);
  items.forEach((item, k) => {
    const e = layout.entries[k]!;
    item.init(new Rng(deriveSeed(seed, "snn", item.name)), params.subarray(e.offset, e.offset + e.length));
  });
  return params;
}

/** Throws a SpikelocoError naming `params` when the vector does not fit the layout. */
export function checkParams(layout: ParamLayout, params: ArrayLike<number>, field = "params"): void {
  if (params.length !== layout.size) {
    throw new SpikelocoError(`parameter vector has ${params.length} values but the network layout needs ${layout.size}`, field);
  }
}
