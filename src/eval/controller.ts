/**
 * Evaluated controllers: a checkpoint, optionally with within-episode plasticity frozen (the ablation).
 * The env a checkpoint was trained in (id and options) comes from its config; the training conditions
 * are read only to show in the report what the controller did (and did not) train on.
 */
import { basename, resolve } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import type { Checkpoint } from "../policy/checkpoint.ts";
export { checkpointEnv, type CheckpointEnv } from "../policy/checkpoint.ts";
import { isPlastic, parseNetworkSpec, type NetworkSpec } from "../snn/spec.ts";
import type { ControllerInfo } from "./aggregate.ts";

/** Does the network change its own weights within an episode? */
export function hasPlasticity(spec: NetworkSpec): boolean {
  return isPlastic(spec, "input") || isPlastic(spec, "recurrent");
}

export function describeController(ckpt: Checkpoint, dir: string, frozen: boolean): ControllerInfo {
  const spec = parseNetworkSpec(ckpt.spec);
  const c = ckpt.config;
  const agent = typeof c.agent === "string" ? c.agent : "custom";
  const base = `${basename(resolve(dir))}:${agent}`;
  return {
    id: frozen ? `${base}#frozen` : base,
    label: frozen ? `${base} (plasticity frozen)` : base,
    checkpoint: resolve(dir),
    agent,
    plastic: hasPlasticity(spec),
    frozen,
    config: c,
    versions: ckpt.versions ?? {},
    trainedOn: c.conditions ?? c.trainConditions ?? null,
    generation: ckpt.training.generation,
  };
}
