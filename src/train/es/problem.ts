/**
 * The problem half of the EvoTorch-style trio: evaluates a population of seeded candidates.
 * Implementations rebuild each member from (center, sigma, seed, sign), so a remote evaluator only needs
 * the shared center/sigma and the candidates' seeds; it answers with returns (and observation statistics).
 */
import type { Candidate } from "./noise.ts";

export interface ObsStatsData {
  count: number;
  mean: ArrayLike<number>;
  m2: ArrayLike<number>;
}

export interface EvaluationRequest {
  generation: number;
  candidates: Candidate[];
  center: Float32Array;
  sigma: Float32Array;
  /** Frozen normaliser transform for this generation (shift, scale), when the problem uses one. */
  normalizer?: { shift: Float32Array; scale: Float32Array };
}

export interface EvaluationResult {
  /** fitness[c.index] for every candidate (mean return over its episodes). */
  fitness: Float64Array;
  /** Aggregates over all episodes of the generation (reward terms, distance, falls, ...). */
  metrics: Record<string, number>;
  /** Environment steps simulated (all members, all episodes). */
  steps: number;
  /** Simulated robot time (s). */
  simSeconds: number;
  /** Observation statistics gathered this generation, merged in candidate order. */
  obsStats?: ObsStatsData;
  /** Counters of the pool that evaluated it (workers, re-issued members...; keys `pool_*`), if any. */
  pool?: Record<string, number>;
}

export interface Problem {
  readonly dim: number;
  evaluate(request: EvaluationRequest): Promise<EvaluationResult>;
  /** Return of the unperturbed center (for learning curves), optional. */
  evaluateCenter?(request: Omit<EvaluationRequest, "candidates">): Promise<{ return: number; metrics: Record<string, number> }>;
  close?(): Promise<void>;
}
