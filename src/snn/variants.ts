/** Small ready-made specs covering every neuron model x rule, for parity tests, gradient checks and benches. */
import { Rng, deriveSeed } from "../core/rng.ts";
import { parseNetworkSpec, NEURON_MODELS, type NetworkSpec, type NeuronModel, type PlasticityRule } from "./spec.ts";

export interface Variant {
  model: NeuronModel;
  rule: PlasticityRule;
  modulated: boolean;
}

export const RULE_VARIANTS: Array<{ rule: PlasticityRule; modulated: boolean }> = [
  { rule: "none", modulated: false },
  { rule: "hebb", modulated: false },
  { rule: "oja", modulated: false },
  { rule: "bcm", modulated: false },
  { rule: "stdp", modulated: false },
  { rule: "hebb", modulated: true },
  { rule: "oja", modulated: true },
  { rule: "bcm", modulated: true },
  { rule: "stdp", modulated: true },
];

export function allVariants(): Variant[] {
  return NEURON_MODELS.flatMap((model) => RULE_VARIANTS.map((r) => ({ model, ...r })));
}

export function variantName(v: Variant): string {
  return `${v.model}/${v.modulated ? "nm-" : ""}${v.rule === "none" ? "static" : v.rule}`;
}

const neuronDefaults: Record<NeuronModel, Record<string, unknown>> = {
  lif: { model: "lif", tau: 10, reset: "subtract", refractory: 1 },
  alif: { model: "alif", tau: 10, tauAdapt: 50, beta: 0.3 },
  izhikevich: { model: "izhikevich", inputScale: 15 },
  stdpLif: { model: "stdpLif", tau: 10, refractory: 2 },
};

/** A small network (nIn inputs, nHid hidden, nOut outputs) for variant v; `extra` is merged into the JSON. */
export function variantSpec(v: Variant, sizes: { nIn: number; nHid: number; nOut: number }, extra: Record<string, unknown> = {}): NetworkSpec {
  const json: Record<string, unknown> = {
    encoder: { kind: "direct", size: sizes.nIn, tau: 3 },
    hidden: { size: sizes.nHid, neuron: neuronDefaults[v.model] },
    plasticity: { rule: v.rule, modulated: v.modulated, etaInit: 0.1, tauRate: 10, tauTheta: 30 },
    surrogate: { kind: v.model === "stdpLif" ? "refractoryNegative" : v.model === "izhikevich" ? "fastSigmoid" : "triangular", scale: v.model === "izhikevich" ? 0.2 : 1, gamma: v.model === "izhikevich" ? 1 : 0.5 },
    projections: { input: { initScale: 2 }, recurrent: { initScale: 1 } },
    decoder: { kind: "leaky", size: sizes.nOut, tau: 5 },
    ...extra,
  };
  return parseNetworkSpec(json);
}

/** T steps of B * nIn inputs: slowly varying N(0,1)-ish signals, reproducible from seed. */
export function randomInputs(seed: number, T: number, batch: number, nIn: number): Float32Array[] {
  const rng = new Rng(deriveSeed(seed, "snn-inputs"));
  const state = new Float32Array(batch * nIn);
  rng.fillNormal(state);
  const out: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < state.length; k++) state[k] = 0.9 * state[k]! + 0.45 * rng.normal();
    out.push(Float32Array.from(state, (s) => s + 0.5));
  }
  return out;
}
