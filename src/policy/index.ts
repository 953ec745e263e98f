/** Public API of the policy layer: controllers, observation normalisation, rollouts and checkpoints. */
export { createPolicy } from "./policy.ts";
export type { Policy, ActionBounds, NormalizerTransform } from "./policy.ts";
export { RunningNormalizer, ObsStats } from "./normalizer.ts";
export type { NormalizerState } from "./normalizer.ts";
export { runEpisode } from "./rollout.ts";
export type { EpisodeOptions, EpisodeResult } from "./rollout.ts";
export { saveCheckpoint, loadCheckpoint, loadCheckpointSync, checkpointExists, checkpointEnv } from "./checkpoint.ts";
export type { Checkpoint, CheckpointEnv, TrainingState } from "./checkpoint.ts";
export { collectVersions } from "./versions.ts";
