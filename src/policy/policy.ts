/**
 * A deployable controller: raw observation -> normalised -> kernel SNN -> action in [-1, 1], then scaled
 * to the env's action space. Exposes the KernelNet so viewers and eval can read spikes and the modulator.
 */
import { createKernelNet, type KernelNet } from "../snn/kernel.ts";
import type { NetworkSpec } from "../snn/spec.ts";

/** Frozen normaliser transform: z = clip((x - shift) * scale, ±clip). */
export interface NormalizerTransform {
  shift: Float32Array;
  scale: Float32Array;
  clip: number;
}

export interface ActionBounds {
  low: Float32Array;
  high: Float32Array;
}

export interface Policy {
  readonly net: KernelNet;
  readonly obsDim: number;
  readonly actDim: number;
  /** Start of an episode: clears membranes and plastic traces. */
  reset(): void;
  /** One control step for a single observation; writes and returns `action` (no allocation). */
  act(obs: ArrayLike<number>, action: Float32Array): Float32Array;
  setParams(params: Float32Array): void;
}

export function createPolicy(
  spec: NetworkSpec,
  params: Float32Array,
  normalizer: NormalizerTransform | null,
  bounds?: ActionBounds,
): Policy {
  const net = createKernelNet(spec, params, 1);
  const obsDim = net.inputSize;
  const actDim = net.outputSize;
  const input = new Float32Array(obsDim);
  const output = new Float32Array(actDim);
  const clip = normalizer?.clip ?? Infinity;
  return {
    net,
    obsDim,
    actDim,
    reset: () => net.reset(),
    setParams: (p) => net.setParams(p),
    act(obs, action) {
      if (normalizer) {
        const { shift, scale } = normalizer;
        for (let i = 0; i < obsDim; i++) {
          const z = (obs[i]! - shift[i]!) * scale[i]!;
          input[i] = z > clip ? clip : z < -clip ? -clip : z;
        }
      } else {
        for (let i = 0; i < obsDim; i++) input[i] = obs[i]!;
      }
      net.step(input, output);
      if (bounds) {
        for (let i = 0; i < actDim; i++) {
          const lo = bounds.low[i]!;
          const hi = bounds.high[i]!;
          action[i] = lo + ((output[i]! + 1) / 2) * (hi - lo);
        }
      } else {
        action.set(output);
      }
      return action;
    },
  };
}
