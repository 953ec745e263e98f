/**
 * Fitness shaping. Centered ranks (OpenAI-ES, EvoTorch "centered"): the worst member gets -0.5,
 * the best +0.5, equally spaced in between; ties are broken by index so the result is deterministic.
 */
export type FitnessShaping = "centered-ranks" | "raw";

export function centeredRanks(fitness: ArrayLike<number>): Float64Array {
  const n = fitness.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => fitness[a]! - fitness[b]! || a - b);
  const out = new Float64Array(n);
  if (n === 1) return out;
  for (let r = 0; r < n; r++) out[order[r]!] = r / (n - 1) - 0.5;
  return out;
}

export function shapeFitness(fitness: ArrayLike<number>, shaping: FitnessShaping): Float64Array {
  for (let i = 0; i < fitness.length; i++) {
    if (!Number.isFinite(fitness[i])) throw new Error(`fitness[${i}] is ${fitness[i]}; returns must be finite`);
  }
  return shaping === "centered-ranks" ? centeredRanks(fitness) : Float64Array.from(fitness);
}
