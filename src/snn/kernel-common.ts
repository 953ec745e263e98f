/** What the JS and WASM kernels share: argument checks and the per-neuron constants derived from the parameters. */
import { SpikelocoError } from "../core/errors.ts";
import { expf } from "./f32math.ts";
import type { ParamLayout } from "./layout.ts";
import type { NetworkSpec } from "./spec.ts";

const f32 = Math.fround;

export function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new SpikelocoError(`must be an integer >= 1, got ${batch}`, "batch");
}

export function checkBatchIndex(batchIndex: number | undefined, B: number): void {
  if (batchIndex !== undefined && (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= B)) {
    throw new SpikelocoError(`must be an integer in [0, ${B - 1}], got ${batchIndex}`, "batchIndex");
  }
}

export function checkStepArrays(input: Float32Array, output: Float32Array, B: number, nIn: number, nOut: number): void {
  if (input.length !== B * nIn) throw new SpikelocoError(`expected ${B * nIn} values (batch ${B} x ${nIn}), got ${input.length}`, "input");
  if (output.length !== B * nOut) throw new SpikelocoError(`expected ${B * nOut} values (batch ${B} x ${nOut}), got ${output.length}`, "output");
}

/**
 * Per-neuron membrane decay beta_j = exp(-dt / tau_j) (learned tau, floored at dt/10, with expf as the tensor
 * engine's backend rounds it; else the spec's constant) and thresholds (learned or the spec's), into beta and thr.
 * Izhikevich neurons use neither.
 */
export function neuronConstants(spec: NetworkSpec, layout: ParamLayout, P: Float32Array, betaMem: number, beta: Float32Array, thr: Float32Array): void {
  const neuron = spec.hidden.neuron;
  if (neuron.model !== "izhikevich") {
    if (layout.has("hidden.tau")) {
      const tau = layout.view(P, "hidden.tau");
      const minTau = f32(spec.dt / 10);
      for (let j = 0; j < beta.length; j++) beta[j] = expf(f32(-spec.dt / f32(Math.max(tau[j]!, minTau))));
    } else beta.fill(betaMem);
  }
  if (layout.has("hidden.threshold")) thr.set(layout.view(P, "hidden.threshold"));
  else thr.fill(neuron.threshold);
}

/** Mean |alpha * H| over the plastic synapses of batch element b, given each plastic projection's alpha and H (all B). */
export function meanPlasticDelta(plastic: Array<{ A: Float32Array; H: Float32Array }>, b: number): number {
  let sum = 0, count = 0;
  for (const { A, H } of plastic) {
    const n = A.length;
    for (let k = 0; k < n; k++) sum += Math.abs(A[k]! * H[b * n + k]!);
    count += n;
  }
  return count ? sum / count : 0;
}
