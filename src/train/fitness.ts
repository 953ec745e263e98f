/**
 * What a rollout worker runs: a FitnessEvaluator turns one task (a member's seed and sign plus the episode
 * seeds) into its return, reading the generation's center, sigma and normaliser from shared memory.
 * Fitness modules export `createEvaluator(config)`; this module is the thread pool's task module
 * (createTaskHandler) that loads one by path in each worker thread, or in-process.
 */
import { pathToFileURL } from "node:url";
import type { ObsStatsData } from "./es/problem.ts";
import type { TaskHandler } from "./threads.ts";

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
  obsStats?: ObsStatsData | undefined;
}

/** Views onto the shared buffers the trainer fills before each generation. */
export interface SharedParams {
  center: Float32Array;
  sigma: Float32Array;
  shift: Float32Array;
  scale: Float32Array;
}

export interface FitnessEvaluator {
  evaluate(task: MemberTask, shared: SharedParams): Promise<MemberResult> | MemberResult;
  close?(): void;
}

export type FitnessEvaluatorFactory = (config: unknown) => Promise<FitnessEvaluator> | FitnessEvaluator;

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

/** The thread pool's task module entry: one evaluator per thread, fed the shared generation state. */
export async function createTaskHandler(raw: unknown): Promise<TaskHandler<MemberTask, MemberResult>> {
  const data = raw as WorkerData;
  const mod = (await import(pathToFileURL(data.evaluatorModule).href)) as { createEvaluator?: FitnessEvaluatorFactory };
  if (typeof mod.createEvaluator !== "function") throw new Error(`${data.evaluatorModule} does not export createEvaluator`);
  const evaluator = await mod.createEvaluator(data.config);
  const shared = viewShared(data.shared);
  return { run: (task) => evaluator.evaluate(task, shared), close: () => evaluator.close?.() };
}
