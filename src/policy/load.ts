/**
 * Checkpoint -> controller, assembled in one place for eval and serve: the network spec with its
 * parameters and frozen normaliser, the env it was trained in, and a factory of runtime policies
 * (within-episode plasticity frozen when asked: the ablation that runs on the fixed weights alone).
 */
import { SpikelocoError } from "../core/errors.ts";
import { isPlastic, parseNetworkSpec, type NetworkSpec } from "../snn/spec.ts";
import { findCheckpointEnv, loadCheckpoint, type Checkpoint, type CheckpointEnv } from "./checkpoint.ts";
import { RunningNormalizer } from "./normalizer.ts";
import { createPolicy, type ActionBounds, type NormalizerTransform, type Policy } from "./policy.ts";

export interface LoadPolicyOptions {
  /** Hold the plastic traces at zero (the network runs on its fixed weights W). */
  frozen?: boolean;
  /** Refuse the checkpoint unless it is at this generation (a run that moved on since it was planned). */
  generation?: number;
  /** Where a fallback-to-previous-checkpoint warning goes (default: stderr). */
  onWarning?: (message: string) => void;
}

export interface LoadedPolicy {
  dir: string;
  checkpoint: Checkpoint;
  spec: NetworkSpec;
  params: Float32Array;
  normalizer: NormalizerTransform | null;
  /** The env it was trained in (id and options, without training conditions); null if the config names none. */
  env: CheckpointEnv | null;
  /** The preset it was trained from, if the config names one. */
  agent: string | null;
  generation: number;
  /** The network changes its own weights within an episode. */
  plastic: boolean;
  frozen: boolean;
  /** A fresh runtime policy with actions scaled to `bounds` (an env's action space). */
  createPolicy(bounds?: ActionBounds): Policy;
}

export async function loadPolicy(dir: string, options: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const checkpoint = await loadCheckpoint(dir, { onWarning: options.onWarning });
  const generation = checkpoint.training.generation;
  if (options.generation !== undefined && generation !== options.generation) {
    throw new SpikelocoError(`checkpoint changed during evaluation (generation ${options.generation} -> ${generation}); copy a training run before evaluating it`, dir);
  }
  const spec = parseNetworkSpec(checkpoint.spec);
  const state = checkpoint.normalizer ? RunningNormalizer.fromState(checkpoint.normalizer) : null;
  const normalizer = state ? { shift: state.shift, scale: state.scale, clip: state.clip } : null;
  const frozen = options.frozen ?? false;
  return {
    dir,
    checkpoint,
    spec,
    params: checkpoint.params,
    normalizer,
    env: findCheckpointEnv(checkpoint),
    agent: typeof checkpoint.config.agent === "string" ? checkpoint.config.agent : null,
    generation,
    plastic: isPlastic(spec, "input") || isPlastic(spec, "recurrent"),
    frozen,
    createPolicy(bounds) {
      const policy = createPolicy(spec, checkpoint.params, normalizer, bounds);
      policy.net.freezePlasticity(frozen);
      return policy;
    },
  };
}
