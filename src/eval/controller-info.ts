/**
 * How an evaluated controller is described in the report: a checkpoint, optionally with within-episode
 * plasticity frozen (the ablation). The training conditions are read only to show in the report what
 * the controller did (and did not) train on.
 */
import { basename, resolve } from "node:path";
import type { LoadedPolicy } from "../policy/load.ts";
import type { ControllerInfo } from "./aggregate.ts";

export function describeController(loaded: LoadedPolicy, frozen: boolean): ControllerInfo {
  const c = loaded.checkpoint.config;
  const agent = loaded.agent ?? "custom";
  const base = `${basename(resolve(loaded.dir))}:${agent}`;
  return {
    id: frozen ? `${base}#frozen` : base,
    label: frozen ? `${base} (plasticity frozen)` : base,
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
