/** Whole-sequence e-prop gradients for a supervised problem (used to compare with BPTT). */
import { EpropNetwork, type EpropGrads, type EpropNetConfig, type EpropParams } from "./network.ts";

export function epropGradients(
  config: EpropNetConfig,
  params: EpropParams,
  xs: Float32Array,
  targets: Float32Array,
  steps: number,
  feedbackSeed = 0,
): { loss: number; grads: EpropGrads; spikeCount: number } {
  const net = new EpropNetwork(config, params, feedbackSeed);
  let spikeCount = 0;
  for (let t = 0; t < steps; t++) {
    net.step(xs.subarray(t * config.nIn, (t + 1) * config.nIn));
    net.supervise(targets.subarray(t * config.nOut, (t + 1) * config.nOut));
    for (let j = 0; j < config.nRec; j++) spikeCount += net.z[j]!;
  }
  return { loss: net.loss, grads: net.grads, spikeCount };
}
