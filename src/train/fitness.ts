/**
 * What a rollout worker runs: an Evaluator turns one task (a member's seed and sign plus the episode
 * seeds) into its return, reading the generation's center, sigma and normaliser from shared memory.
 * Evaluator modules export `createEvaluator(config)`; the pool loads them by path inside each worker.
 */
import type { ObsStatsData } from "./es/problem.ts";

export interface MemberTask {
  generation: number;
  /** Population index (fitness slot); -1 for the center. */
  index: number;
  seed: number;
  /** ±1 for a perturbed member, 0 for the unperturbed center. */
  sign: 1 | -1 | 0;
  episodeSeeds: number[];
  /** Stratum index per episode (stratified fitness over a condition distribution); absent = one stratum. */
  episodeStrata?: number[];
  collectStats: boolean;
}

export interface MemberResult {
  index: number;
  /** Mean return over the member's episodes. */
  return: number;
  steps: number;
  simSeconds: number;
  /** Means over the member's episodes (distance, forward speed, each reward term, falls...). */
  metrics: Record<string, number>;
  obsStats?: ObsStatsData;
}

/** Views onto the shared buffers the trainer fills before each generation. */
export interface SharedParams {
  center: Float32Array;
  sigma: Float32Array;
  shift: Float32Array;
  scale: Float32Array;
}

export interface Evaluator {
  evaluate(task: MemberTask, shared: SharedParams): Promise<MemberResult> | MemberResult;
  close?(): void;
}

export type EvaluatorFactory = (config: unknown) => Promise<Evaluator> | Evaluator;

export interface SharedBuffers {
  center: SharedArrayBuffer;
  sigma: SharedArrayBuffer;
  shift: SharedArrayBuffer;
  scale: SharedArrayBuffer;
}

export function allocateShared(dim: number, obsDim: number): SharedBuffers {
  return {
    center: new SharedArrayBuffer(dim * 4),
    sigma: new SharedArrayBuffer(dim * 4),
    shift: new SharedArrayBuffer(Math.max(obsDim, 1) * 4),
    scale: new SharedArrayBuffer(Math.max(obsDim, 1) * 4),
  };
}

export function viewShared(b: SharedBuffers): SharedParams {
  return {
    center: new Float32Array(b.center),
    sigma: new Float32Array(b.sigma),
    shift: new Float32Array(b.shift),
    scale: new Float32Array(b.scale),
  };
}

export interface WorkerData {
  evaluatorModule: string;
  config: unknown;
  shared: SharedBuffers;
}
