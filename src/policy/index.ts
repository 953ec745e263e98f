/** Public API of the policy layer: controllers, observation normalisation, rollouts and checkpoints. */
export { createPolicy } from "./policy.ts";
export type { Policy, ActionBounds, NormalizerTransform } from "./policy.ts";
export { RunningNormalizer, ObsStats } from "./normalizer.ts";
export type { NormalizerState } from "./normalizer.ts";
export { runEpisode } from "./rollout.ts";
export type { EpisodeOptions, EpisodeResult } from "./rollout.ts";
export { saveCheckpoint, loadCheckpoint, loadCheckpointSync, checkpointExists, checkpointEnv, findCheckpointEnv } from "./checkpoint.ts";
export type { Checkpoint, CheckpointEnv, LoadCheckpointOptions, TrainingState } from "./checkpoint.ts";
export { loadPolicy } from "./load.ts";
export type { LoadedPolicy, LoadPolicyOptions } from "./load.ts";
export { collectVersions } from "./versions.ts";
