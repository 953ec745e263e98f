/**
 * Antithetic search-gradient accumulation shared by the searchers: regenerates each pair's direction
 * from its seed, so memory stays O(dim) whatever the population size.
 */
import { fillDirection, type Candidate } from "./noise.ts";

export interface PairSums {
  /** Σ_j (f⁺_j − f⁻_j)/2 · eps_j / pairs */
  diff: Float64Array;
  /** Σ_j ((f⁺_j + f⁻_j)/2 − baseline) · (eps_j² − 1) / pairs (PGPE's std gradient, up to a 1/σ factor) */
  sum: Float64Array | null;
}

export function pairSums(
  candidates: Candidate[],
  shaped: Float64Array,
  dim: number,
  withSum: boolean,
): PairSums {
  const plus = new Map<number, Candidate>();
  const minus = new Map<number, Candidate>();
  for (const c of candidates) (c.sign === 1 ? plus : minus).set(c.seed, c);
  if (plus.size !== minus.size || plus.size * 2 !== candidates.length) {
    throw new Error("population is not made of antithetic pairs");
  }
  const pairs = plus.size;
  let baseline = 0;
  for (let i = 0; i < shaped.length; i++) baseline += shaped[i]!;
  baseline /= shaped.length;
  const diff = new Float64Array(dim);
  const sum = withSum ? new Float64Array(dim) : null;
  const eps = new Float64Array(dim);
  for (const [seed, p] of plus) {
    const m = minus.get(seed);
    if (!m) throw new Error(`candidate with seed ${seed} has no antithetic partner`);
    fillDirection(seed, eps);
    const d = (shaped[p.index]! - shaped[m.index]!) / 2 / pairs;
    const s = ((shaped[p.index]! + shaped[m.index]!) / 2 - baseline) / pairs;
    for (let i = 0; i < dim; i++) diff[i]! += d * eps[i]!;
    if (sum) for (let i = 0; i < dim; i++) sum[i]! += s * (eps[i]! * eps[i]! - 1);
  }
  return { diff, sum };
}

export function l2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
