/**
 * The sphere evaluator with a fixed delay per member (test/distributed only): members that take long
 * enough for a worker to be killed, stopped or cut off while it holds them.
 */
import { createEvaluator as sphere } from "../../src/train/sphere-fitness.ts";
import type { FitnessEvaluator as Evaluator } from "../../src/train/fitness.ts";

export function createEvaluator(config: unknown): Evaluator {
  const inner = sphere(config) as Evaluator;
  const { delayMs } = config as { delayMs: number };
  return {
    async evaluate(task, shared) {
      await new Promise((r) => setTimeout(r, delayMs));
      return inner.evaluate(task, shared);
    },
  };
}
