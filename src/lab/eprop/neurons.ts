/**
 * Discrete-time neuron models for e-prop, with the per-neuron Jacobian of the state update that the
 * eligibility recursion needs (Bellec et al. 2020; Traub et al. 2020 for Izhikevich and STDP-LIF).
 *
 * Each model has a two-component hidden state h = (v, u): u is the ALIF threshold adaptation `a`
 * or the Izhikevich recovery variable; plain LIF and STDP-LIF leave it at zero.
 * Time step t: z^t = spike(h^t); h^{t+1} = f(h^t, z^t, I^{t+1}); I^{t+1} = W_in x^{t+1} + W_rec z^t.
 * The Jacobian dh^{t+1}/dh^t is taken with the spike z^t held fixed (e-prop drops the reset path for
 * LIF/ALIF); for Izhikevich and STDP-LIF the reset wipes the membrane, which the factor (1 - z) encodes.
 */
import { SpikelocoError } from "../../core/errors.ts";

export type NeuronModel = "lif" | "alif" | "stdpLif" | "izhikevich";
export const NEURON_MODELS: readonly NeuronModel[] = ["lif", "alif", "stdpLif", "izhikevich"];

export interface NeuronParams {
  model: NeuronModel;
  /** Simulation step in ms. */
  dt: number;
  /** Membrane time constant (ms), LIF-type models. */
  tauMem: number;
  /** Firing threshold (LIF-type; Izhikevich uses `izhPeak`). */
  threshold: number;
  /** Pseudo-derivative dampening gamma. */
  gamma: number;
  /** Absolute refractory period in steps (LIF: psi = 0 during it; STDP-LIF: psi = -gamma / threshold). */
  refractorySteps: number;
  /** ALIF adaptation time constant (ms) and strength beta. */
  tauAdapt: number;
  beta: number;
  /** Izhikevich parameters (regular spiking by default). */
  izhA: number;
  izhB: number;
  izhC: number;
  izhD: number;
  izhPeak: number;
}

export function defaultNeuronParams(model: NeuronModel, overrides: Partial<NeuronParams> = {}): NeuronParams {
  if (!NEURON_MODELS.includes(model)) {
    throw new SpikelocoError(`unknown neuron model '${String(model)}'; known: ${NEURON_MODELS.join(", ")}`, "model");
  }
  const base: NeuronParams = {
    model,
    dt: model === "izhikevich" ? 0.5 : 1,
    tauMem: 20,
    threshold: 1,
    gamma: 0.3,
    refractorySteps: model === "stdpLif" ? 3 : 0,
    tauAdapt: 200,
    beta: model === "alif" ? 0.5 : 0,
    izhA: 0.02,
    izhB: 0.2,
    izhC: -65,
    izhD: 8,
    izhPeak: 30,
  };
  const p = { ...base, ...overrides, model };
  for (const key of ["dt", "tauMem", "threshold", "tauAdapt", "izhPeak"] as const) {
    if (!(Number.isFinite(p[key]) && (key === "izhPeak" || p[key] > 0))) {
      throw new SpikelocoError(`must be a positive number, got ${p[key]}`, key);
    }
  }
  if (!Number.isInteger(p.refractorySteps) || p.refractorySteps < 0) {
    throw new SpikelocoError(`must be a non-negative integer, got ${p.refractorySteps}`, "refractorySteps");
  }
  return p;
}

/** Resting state of the membrane for a model. */
export function restingPotential(p: NeuronParams): { v: number; u: number } {
  if (p.model === "izhikevich") return { v: p.izhC, u: p.izhB * p.izhC };
  return { v: 0, u: 0 };
}

/** Gain of the input current in the membrane update (dv^{t+1}/dI^{t+1}). */
export function inputGain(p: NeuronParams): number {
  return p.model === "izhikevich" ? p.dt : 1;
}

/** Izhikevich pseudo-derivative h(v) = gamma * exp((min(v, H) - H) / H) with H the spike peak. */
export function izhikevichPsi(v: number, peak: number, gamma: number): number {
  const m = v < peak ? v : peak;
  return gamma * Math.exp((m - peak) / Math.abs(peak));
}
