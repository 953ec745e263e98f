/**
 * A cheap evaluator (noisy shifted sphere with fake observations) that exercises the worker pool without
 * physics: used by the pool's determinism tests and to measure pool overhead in isolation.
 */
import { Rng } from "../core/rng.ts";
import { materialize } from "./es/noise.ts";
import { ObsStats } from "../policy/normalizer.ts";
import type { FitnessEvaluator, MemberTask, SharedParams } from "./fitness.ts";

export function createEvaluator(config: unknown): FitnessEvaluator {
  const { dim, noise } = config as { dim: number; noise: number };
  const x = new Float32Array(dim);
  const eps = new Float64Array(dim);
  return {
    evaluate(task: MemberTask, shared: SharedParams) {
      if (task.sign === 0) x.set(shared.center);
      else materialize(shared.center, shared.sigma, task, x, eps);
      const stats = new ObsStats(2);
      let total = 0;
      for (const seed of task.episodeSeeds) {
        const rng = new Rng(seed);
        const obs = [rng.normal() + 2, rng.normal() * 4];
        stats.push(obs);
        let f = noise * (obs[0]! - shared.shift[0]!) * shared.scale[0]!;
        for (let i = 0; i < dim; i++) f -= (x[i]! - 0.5) ** 2;
        total += f;
      }
      const ret = total / task.episodeSeeds.length;
      return { index: task.index, return: ret, steps: task.episodeSeeds.length, simSeconds: 0, metrics: { sphere: ret }, obsStats: task.collectStats ? stats.toJSON() : undefined };
    },
  };
}
