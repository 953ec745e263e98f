/**
 * Plasticity terms. The plastic trace H of synapse i -> j changes by
 *   dH = eta * M_j * term                  (no eligibility trace)
 *   E = l_e * E + term;  dH = eta * M_j * E (with eligibility trace)
 * then H is clipped to [-clip, clip]. M_j = 1 for unmodulated rules.
 * In the network x = the delivered presynaptic spike (fractional with delays), y = the postsynaptic spike,
 * preTrace/postTrace the STDP traces decayed to this step (before this step's spikes are added), rate the
 * postsynaptic rate trace and theta the BCM sliding threshold (relaxing to rate^2 / r0, r0 = plasticity.bcmTargetRate). The same functions
 * apply to rate-coded (analog) x and y.
 */
import type { PlasticityRule } from "./spec.ts";

export interface TermInputs {
  x: number;
  y: number;
  h: number;
  preTrace: number;
  postTrace: number;
  rate: number;
  theta: number;
  aPlus: number;
  aMinus: number;
}

export function plasticTerm(rule: PlasticityRule, s: TermInputs): number {
  switch (rule) {
    case "hebb":
      return s.x * s.y;
    case "oja":
      return s.y * (s.x - s.y * s.h);
    case "bcm":
      return s.x * s.rate * (s.rate - s.theta);
    case "stdp":
      return s.aPlus * s.preTrace * s.y - s.aMinus * s.postTrace * s.x;
    default:
      return 0;
  }
}
