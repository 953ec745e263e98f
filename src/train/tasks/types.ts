/**
 * Temporal tasks for the differentiable (BPTT) outer loop. A batch is time-major:
 * inputs [T, B, nIn], targets [T, B, nOut], mask [T, B] (1 where the loss is scored).
 */
import type { Rng } from "../../core/rng.ts";

export type TaskName = "cue-association" | "pattern-completion";

export interface TemporalBatch {
  T: number;
  batch: number;
  nIn: number;
  nOut: number;
  inputs: Float32Array;
  targets: Float32Array;
  mask: Float32Array;
  /** One entry per scored item: its episode, response window [start, end) and the answer. */
  queries: Array<{ b: number; start: number; end: number; label: number; bits?: number[] }>;
}

export interface TaskScore {
  /** Fraction of queries answered correctly (classification) or degraded bits restored (completion). */
  accuracy: number;
  /** What guessing achieves. */
  chance: number;
}

export interface TemporalTask {
  readonly name: TaskName;
  readonly nIn: number;
  readonly nOut: number;
  readonly T: number;
  /** "classification": softmax cross-entropy on masked steps; "regression": MSE on masked steps. */
  readonly loss: "classification" | "regression";
  readonly chance: number;
  /** Channel names (for viewers and docs). */
  readonly inputNames: string[];
  sample(rng: Rng, batch: number): TemporalBatch;
  /** Score network outputs [T, B, nOut] against a batch. */
  score(outputs: Float32Array, batch: TemporalBatch): TaskScore;
}
