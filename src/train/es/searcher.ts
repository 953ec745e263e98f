/**
 * The searcher half of the EvoTorch-style trio (problem / searcher / logger): `ask` hands out a
 * population of seeded candidates, the caller evaluates them (the problem), `tell` takes the
 * returns and moves the search distribution. Everything a resume needs is in `state()`.
 */
import type { Candidate } from "./noise.ts";
import type { FitnessShaping } from "./shaping.ts";

export type SearcherName = "es" | "pgpe";

export interface SearcherState {
  /** "es" | "pgpe", or "bptt" for the BPTT trainer's Adam state. */
  algo: SearcherName | "bptt";
  generation: number;
  scalars: Record<string, number>;
  arrays: Record<string, Float32Array | Float64Array>;
}

export interface TellStats {
  /** L2 norm of the (shaped) gradient estimate for the center. */
  gradNorm: number;
  /** L2 norm of the applied center step. */
  stepNorm: number;
  /** Mean exploration std (PGPE adapts it). */
  sigmaMean: number;
}

export interface Searcher {
  readonly algo: SearcherName;
  readonly dim: number;
  /** Current search center (the solution to deploy). */
  readonly center: Float32Array;
  /** Exploration std per parameter (what workers need, with the center, to rebuild a member). */
  readonly sigma: Float32Array;
  readonly generation: number;
  readonly popSize: number;
  ask(): Candidate[];
  /** `fitness[c.index]` for every candidate of the last `ask` (higher is better). */
  tell(candidates: Candidate[], fitness: ArrayLike<number>): TellStats;
  state(): SearcherState;
  load(state: SearcherState): void;
}

export interface SearcherOptions {
  /** Population size (even; antithetic pairs). */
  popSize: number;
  /** Initial exploration std. */
  sigma: number;
  /** Center learning rate (Adam lr for ES; ClipUp step size for PGPE). */
  lr: number;
  seed: number;
  fitnessShaping?: FitnessShaping;
  /**
   * ES only: weight decay coefficient. "decoupled" (default, AdamW): every step also shrinks each
   * parameter by lr_i * weightDecay * theta_i, whatever the gradient. "coupled" is the behaviour of runs
   * made before it (wd * theta subtracted from the sigma-normalised gradient inside Adam); resumed old runs keep it.
   */
  weightDecay?: number;
  weightDecayMode?: "decoupled" | "coupled";
  /** Per-parameter multiplier of sigma (ES and PGPE's initial std) and of the ES learning rate (groups.ts). */
  scale?: ArrayLike<number> | undefined;
  /** PGPE only: ClipUp max speed (default 2 * lr), momentum (0.9), std learning rate (0.1), max relative std change (0.2). */
  maxSpeed?: number;
  momentum?: number;
  sigmaLr?: number;
  sigmaMaxChange?: number;
}
