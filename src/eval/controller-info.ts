/**
 * How an evaluated controller is described in the report: a checkpoint, optionally with within-episode
 * plasticity frozen (the ablation). The training conditions are read only to show in the report what
 * the controller did (and did not) train on.
 */
import { basename, resolve } from "node:path";
import type { LoadedPolicy } from "../policy/load.ts";
import { isOnsetAblation, type Ablation } from "./ablation.ts";
import type { ControllerInfo } from "./aggregate.ts";

const ABLATION_LABEL: Record<Ablation, string> = {
  "as-trained": "",
  frozen: "plasticity frozen",
  "zero-at-onset": "H reset to 0 and frozen at onset",
  "freeze-at-onset": "H frozen at onset",
};

/** `ablation`: true or "frozen" = plasticity frozen throughout; the onset ablations act from the suite's onset step. */
export function describeController(loaded: LoadedPolicy, ablation: boolean | Ablation): ControllerInfo {
  const kind: Ablation = ablation === true ? "frozen" : ablation === false ? "as-trained" : ablation;
  const frozen = kind === "frozen";
  const c = loaded.checkpoint.config;
  const agent = loaded.agent ?? "custom";
  const base = `${basename(resolve(loaded.dir))}:${agent}`;
  return {
    id: kind === "as-trained" ? base : `${base}#${kind}`,
    label: kind === "as-trained" ? base : `${base} (${ABLATION_LABEL[kind]})`,
    ...(isOnsetAblation(kind) ? { ablation: kind } : {}),
    checkpoint: resolve(loaded.dir),
    agent,
    plastic: loaded.plastic,
    frozen,
    config: c,
    versions: loaded.checkpoint.versions ?? {},
    trainedOn: c.conditions ?? c.trainConditions ?? null,
    generation: loaded.generation,
  };
}
