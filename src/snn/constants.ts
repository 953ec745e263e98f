/** Per-step constants derived from a spec, rounded to float32 once so every engine uses the same values. */
import { encodedSize, preSize, type NetworkSpec, type ProjectionName } from "./spec.ts";

const f32 = Math.fround;
export const decay = (dt: number, tau: number): number => f32(Math.exp(-dt / tau));

export interface NetConstants {
  nEnc: number;
  nHid: number;
  nOut: number;
  nIn: number;
  /** encoder input neurons' leak factor. */
  lambdaIn: number;
  /** hidden membrane leak (when tau is not learned). */
  betaMem: number;
  /** ALIF threshold-adaptation decay. */
  rhoAdapt: number;
  lambdaOut: number;
  lambdaPlus: number;
  lambdaMinus: number;
  lambdaRate: number;
  lambdaTheta: number;
  /** BCM target rate r0 (float32): theta / r0 is the sliding threshold. */
  bcmTargetRate: number;
  /** eligibility decay; 0 when the spec has no eligibility trace. */
  lambdaElig: number;
  /** leak of the plastic trace H per step (H = clip(lambdaDecay H + dh)); 1 when the spec has no decayTau. */
  lambdaDecay: number;
  refractorySteps: number;
  /** GRF centres (length `centers`), empty for direct encoding. */
  grfCenters: Float32Array;
  grfInvTwoSigma2: number;
  nPre: Record<ProjectionName, number>;
  /** history length kept for delays: max + 2 (0 when the projection has no delay). */
  historyLength: Record<ProjectionName, number>;
  delayMax: Record<ProjectionName, number>;
}

export function netConstants(spec: NetworkSpec): NetConstants {
  const dt = spec.dt;
  const n = spec.hidden.neuron;
  const p = spec.plasticity;
  const enc = spec.encoder;
  const centers = new Float32Array(enc.kind === "grf" ? enc.centers : 0);
  if (enc.kind === "grf") {
    for (let k = 0; k < enc.centers; k++) centers[k] = enc.centers === 1 ? (enc.low + enc.high) / 2 : enc.low + ((enc.high - enc.low) * k) / (enc.centers - 1);
  }
  const hist = (name: ProjectionName): number => {
    const d = spec.projections[name].delay;
    return d.kind === "none" ? 0 : d.max + 2;
  };
  const dmax = (name: ProjectionName): number => {
    const d = spec.projections[name].delay;
    return d.kind === "none" ? 0 : d.max;
  };
  return {
    nEnc: encodedSize(spec),
    nHid: spec.hidden.size,
    nOut: spec.decoder.size,
    nIn: enc.size,
    lambdaIn: decay(dt, enc.tau),
    betaMem: n.model === "izhikevich" ? 0 : decay(dt, n.tau),
    rhoAdapt: n.model === "alif" ? decay(dt, n.tauAdapt) : 0,
    lambdaOut: decay(dt, spec.decoder.tau),
    lambdaPlus: decay(dt, p.tauPlus),
    lambdaMinus: decay(dt, p.tauMinus),
    lambdaRate: decay(dt, p.tauRate),
    lambdaTheta: decay(dt, p.tauTheta),
    bcmTargetRate: f32(p.bcmTargetRate),
    lambdaElig: p.eligibilityTau === null ? 0 : decay(dt, p.eligibilityTau),
    lambdaDecay: p.decayTau === null ? 1 : decay(dt, p.decayTau),
    refractorySteps: n.model === "izhikevich" ? 0 : n.refractory,
    grfCenters: centers,
    grfInvTwoSigma2: enc.kind === "grf" ? f32(1 / (2 * enc.sigma * enc.sigma)) : 0,
    nPre: { input: preSize(spec, "input"), recurrent: preSize(spec, "recurrent") },
    historyLength: { input: hist("input"), recurrent: hist("recurrent") },
    delayMax: { input: dmax("input"), recurrent: dmax("recurrent") },
  };
}
