/**
 * Reward terms (Gymnasium Ant-v5's), each a tiny named function of the step, unweighted. REWARD_TERMS is the
 * one table: term -> function, the env option holding its weight, and its formula for the docs. `info.terms`
 * holds every weighted term in table order and the reward is their sum (as MuJoCo Playground's reward
 * scales). A term whose weight is 0 is off: it reads 0 and is not evaluated.
 */
import type { EnvSettings, OptionName } from "./options.ts";

/** What the terms read from one control step (filled by the env, reused). */
export interface StepMeasures {
  /** (x_t − x_{t−1}) / controlDt of the torso. */
  forwardVelocity: number;
  healthy: boolean;
  /** ‖a‖² of the clipped action. */
  actionSquared: number;
  /** Normal contact force per foot (N); zeros unless the contact sensor read manifolds. */
  contactForce: Float64Array;
}

interface RewardTerm {
  value(m: StepMeasures): number;
  /** The option whose value weights this term. */
  weight: OptionName;
  /** The weighted term, for the docs. */
  formula: string;
}

const forward = (m: StepMeasures): number => (Number.isFinite(m.forwardVelocity) ? m.forwardVelocity : 0);
const healthy = (m: StepMeasures): number => (m.healthy ? 1 : 0);
const ctrl = (m: StepMeasures): number => -m.actionSquared;
function contact(m: StepMeasures): number {
  let cost = 0;
  for (let f = 0; f < m.contactForce.length; f++) {
    const c = Math.min(m.contactForce[f]!, 1);
    cost += c * c;
  }
  return -cost;
}

export const REWARD_TERMS = {
  forward: { value: forward, weight: "forwardRewardWeight", formula: "forwardRewardWeight · (x_t − x_{t−1}) / controlDt" },
  healthy: { value: healthy, weight: "healthyReward", formula: "healthyReward while healthy (v5 semantics: 0 on the terminating step)" },
  ctrl: { value: ctrl, weight: "ctrlCostWeight", formula: "−ctrlCostWeight · ‖a‖² (clipped action)" },
  contact: { value: contact, weight: "contactCostWeight", formula: "−contactCostWeight · Σ_feet min(F_normal, 1)² (F from the contact impulses of the last substep)" },
} satisfies Record<string, RewardTerm>;

export type RewardTermName = keyof typeof REWARD_TERMS;
const NAMES = Object.keys(REWARD_TERMS) as RewardTermName[];

/** Every term at 0, in table order (the shape of `info.terms`). */
export function zeroTerms(): Record<string, number> {
  return Object.fromEntries(NAMES.map((k) => [k, 0]));
}

export class Reward {
  /** Whether the contact term is on (it needs contact forces, read from Rapier's manifolds). */
  readonly needsContactForces: boolean;
  private readonly weights: Float64Array;
  private readonly values: Array<(m: StepMeasures) => number>;

  constructor(settings: EnvSettings) {
    this.weights = Float64Array.from(NAMES, (k) => settings[REWARD_TERMS[k].weight] as number);
    this.values = NAMES.map((k) => REWARD_TERMS[k].value);
    this.needsContactForces = settings[REWARD_TERMS.contact.weight] !== 0;
  }

  /** Writes every weighted term into `terms`; returns their sum. */
  compute(m: StepMeasures, terms: Record<string, number>): number {
    let sum = -0; // -0 is the exact additive identity, so the sum is the terms' sum in table order
    for (let i = 0; i < NAMES.length; i++) {
      const w = this.weights[i]!;
      const v = w === 0 ? 0 : w * this.values[i]!(m);
      terms[NAMES[i]!] = v;
      sum += v;
    }
    return sum;
  }
}
