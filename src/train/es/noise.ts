/**
 * Perturbations regenerated from seeds: a population member is (direction seed, sign), never a vector,
 * so workers and the searcher rebuild the same noise locally and only seeds and returns travel.
 */
import { Rng, deriveSeed } from "../../core/rng.ts";

/** One population member: params = center + sign * sigma ⊙ eps(seed). */
export interface Candidate {
  /** Position in the population (fitness arrays are indexed by it). */
  index: number;
  /** Seed of the direction eps ~ N(0, I). */
  seed: number;
  /** +1 or -1 (antithetic pair members share the seed). */
  sign: 1 | -1;
}

/** Antithetic population of `popSize` (even) members for a generation: pairs (2j, 2j+1) share a direction. */
export function antitheticPopulation(runSeed: number, generation: number, popSize: number): Candidate[] {
  const out: Candidate[] = [];
  for (let j = 0; j < popSize / 2; j++) {
    const seed = deriveSeed(runSeed, "direction", generation, j);
    out.push({ index: 2 * j, seed, sign: 1 }, { index: 2 * j + 1, seed, sign: -1 });
  }
  return out;
}

/** Fill `out` with eps ~ N(0, I) for a direction seed. */
export function fillDirection(seed: number, out: Float64Array): void {
  const rng = new Rng(seed);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
}

/**
 * Write a member's parameters into `out` (may reuse a scratch `eps` buffer to avoid allocation).
 * `sigma` is per parameter (PGPE) or one value broadcast (OpenAI-ES stores it filled).
 */
export function materialize(
  center: Float32Array,
  sigma: Float32Array,
  candidate: { seed: number; sign: number },
  out: Float32Array,
  eps: Float64Array = new Float64Array(center.length),
): Float32Array {
  fillDirection(candidate.seed, eps);
  const s = candidate.sign;
  for (let i = 0; i < center.length; i++) out[i] = center[i]! + s * sigma[i]! * eps[i]!;
  return out;
}
