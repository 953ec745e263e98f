/**
 * Rollout-pool evaluator for test/snn/kernel.worker.test.ts: runs each member's parameters through a KernelNet
 * (no physics) and returns the sum of its actions, plus which kernel ran. Loaded by path inside piscina workers.
 */
import { loadAgent } from "../../agents/index.ts";
import { materialize } from "../../src/train/es/noise.ts";
import type { FitnessEvaluator as Evaluator, MemberTask, SharedParams } from "../../src/train/fitness.ts";
import { createKernelNet, type KernelChoice, type KernelNet } from "../../src/snn/kernel.ts";
import { randomInputs } from "../../src/snn/variants.ts";

export const SPEC = { agent: "nm-hebb", obsDim: 4, actDim: 2, hidden: 32, steps: 300 };

export function createEvaluator(config: unknown): Evaluator {
  const { kernel } = config as { kernel: KernelChoice };
  const spec = loadAgent(SPEC.agent, { obsDim: SPEC.obsDim, actDim: SPEC.actDim }, { hidden: { size: SPEC.hidden } });
  let net: KernelNet | null = null;
  let x: Float32Array | null = null, eps: Float64Array | null = null;
  const out = new Float32Array(SPEC.actDim);
  return {
    evaluate(task: MemberTask, shared: SharedParams) {
      x ??= new Float32Array(shared.center.length);
      eps ??= new Float64Array(shared.center.length);
      if (task.sign === 0) x.set(shared.center);
      else materialize(shared.center, shared.sigma, task, x, eps);
      if (net) net.setParams(x);
      else net = createKernelNet(spec, x, 1, { kernel });
      let total = 0;
      for (const seed of task.episodeSeeds) {
        net.reset();
        for (const input of randomInputs(seed, SPEC.steps, 1, SPEC.obsDim)) {
          net.step(input, out);
          for (const a of out) total += a;
        }
      }
      return { index: task.index, return: total, steps: SPEC.steps * task.episodeSeeds.length, simSeconds: 0, metrics: { wasm_simd: net.kernel === "wasm-simd" ? 1 : 0 } };
    },
  };
}
