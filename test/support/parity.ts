/**
 * Step-by-step comparison of the kernel engine with the tensor engine on the same spec, params and inputs. The
 * tensor engine runs once; both kernels (wasm-simd and js) are compared with it.
 */
import { createKernelNet, KERNELS, type KernelKind } from "../../src/snn/kernel.ts";
import { initParams } from "../../src/snn/layout.ts";
import type { NetworkSpec } from "../../src/snn/spec.ts";
import { createTensorNet } from "../../src/snn/tensor.ts";
import { randomInputs } from "../../src/snn/variants.ts";

export interface KernelParity {
  /** first step whose hidden spikes differ, or -1. */
  firstSpikeMismatch: number;
  /** max |action difference| over the steps before the first spike mismatch. */
  maxOutputError: number;
  /** max |modulator difference| over the same steps. */
  maxModulatorError: number;
  spikeRate: number;
}

export interface ParityResult extends KernelParity {
  steps: number;
  /** each kernel's comparison; the fields above are the worst of them (earliest mismatch, largest errors). */
  kernels: Record<KernelKind, KernelParity>;
}

export function kernelTensorParity(spec: NetworkSpec, steps: number, batch: number, seed: number): ParityResult {
  const params = initParams(spec, seed);
  const nIn = spec.encoder.size, nOut = spec.decoder.size, nHid = spec.hidden.size;
  const inputs = randomInputs(seed + 1, steps, batch, nIn);
  const tr = createTensorNet(spec).run(params, inputs, batch);
  const compare = (kernel: KernelKind): KernelParity => {
    const net = createKernelNet(spec, params, batch, { kernel });
    const out = new Float32Array(batch * nOut);
    let first = -1, outErr = 0, modErr = 0, spikes = 0;
    for (let t = 0; t < steps; t++) {
      net.step(inputs[t]!, out);
      for (let k = 0; k < batch * nHid; k++) {
        spikes += net.hiddenSpikes[k]!;
        if (first < 0 && net.hiddenSpikes[k] !== tr.spikes[t]![k]) first = t;
      }
      if (first >= 0) continue;
      for (let k = 0; k < batch * nOut; k++) outErr = Math.max(outErr, Math.abs(out[k]! - tr.outputs[t]![k]!));
      for (let b = 0; b < batch; b++) modErr = Math.max(modErr, Math.abs(net.modulator[b]! - tr.modulator[t]![b]!));
    }
    return { firstSpikeMismatch: first, maxOutputError: outErr, maxModulatorError: modErr, spikeRate: spikes / (steps * batch * nHid) };
  };
  const kernels = Object.fromEntries(KERNELS.map((k) => [k, compare(k)])) as Record<KernelKind, KernelParity>;
  const all = Object.values(kernels);
  const mismatches = all.map((k) => k.firstSpikeMismatch).filter((t) => t >= 0);
  return {
    steps,
    firstSpikeMismatch: mismatches.length ? Math.min(...mismatches) : -1,
    maxOutputError: Math.max(...all.map((k) => k.maxOutputError)),
    maxModulatorError: Math.max(...all.map((k) => k.maxModulatorError)),
    spikeRate: Math.min(...all.map((k) => k.spikeRate)),
    kernels,
  };
}
