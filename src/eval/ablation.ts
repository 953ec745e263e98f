/**
 * Plasticity ablations that isolate adaptation after a change at an onset step:
 *   as-trained       the controller as trained
 *   frozen           plasticity off from the start: H stays 0, so the network runs on W only throughout
 *   zero-at-onset    as trained until onset, then H reset to 0 and frozen (W only after the change)
 *   freeze-at-onset  as trained until onset, then H frozen at its value (no plasticity after the change)
 * "At onset" means before the policy acts on the first observation produced under the new conditions:
 * the env applies a change during the step that starts at step `onsetStep`, so the hook fires after
 * `onsetStep + 1` steps.
 */
import type { KernelNet } from "../snn/kernel.ts";

export const ABLATIONS = ["as-trained", "frozen", "zero-at-onset", "freeze-at-onset"] as const;
export type Ablation = (typeof ABLATIONS)[number];
/** The ablations that act at an onset step (they need a suite with one). */
export type OnsetAblation = Extract<Ablation, "zero-at-onset" | "freeze-at-onset">;
export const isOnsetAblation = (a: Ablation): a is OnsetAblation => a === "zero-at-onset" || a === "freeze-at-onset";
/** The ablated copies evaluation can add beside a plastic controller. */
export type AblatedCopy = Exclude<Ablation, "as-trained">;
export const ABLATED_COPIES = ABLATIONS.filter((a): a is AblatedCopy => a !== "as-trained");

export interface AblationHooks {
  /** Call after policy.reset(), before the first step. */
  start(): void;
  /** Call after each env step with the number of steps done so far. */
  afterStep(stepsDone: number): void;
}

export function ablationHooks(net: KernelNet, ablation: Ablation, onsetStep: number): AblationHooks {
  return {
    start() {
      net.freezePlasticity(ablation === "frozen");
    },
    afterStep(stepsDone) {
      if (stepsDone !== onsetStep + 1) return;
      if (ablation === "zero-at-onset") {
        net.clearPlasticTraces();
        net.freezePlasticity(true);
      } else if (ablation === "freeze-at-onset") {
        net.freezePlasticity(true);
      }
    },
  };
}
