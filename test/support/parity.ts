/** Step-by-step comparison of the kernel engine with the tensor engine on the same spec, params and inputs. */
import { createKernelNet } from "../../src/snn/kernel.ts";
import { initParams } from "../../src/snn/layout.ts";
import type { NetworkSpec } from "../../src/snn/spec.ts";
import { createTensorNet } from "../../src/snn/tensor.ts";
import { randomInputs } from "../../src/snn/variants.ts";

export interface ParityResult {
  steps: number;
  /** first step whose hidden spikes differ, or -1. */
  firstSpikeMismatch: number;
  /** max |action difference| over the steps before the first spike mismatch. */
  maxOutputError: number;
  /** max |modulator difference| over the same steps. */
  maxModulatorError: number;
  spikeRate: number;
}

export function kernelTensorParity(spec: NetworkSpec, steps: number, batch: number, seed: number): ParityResult {
  const params = initParams(spec, seed);
  const nIn = spec.encoder.size, nOut = spec.decoder.size, nHid = spec.hidden.size;
  const inputs = randomInputs(seed + 1, steps, batch, nIn);
  const net = createKernelNet(spec, params, batch);
  const tr = createTensorNet(spec).run(params, inputs, batch);
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
  return { steps, firstSpikeMismatch: first, maxOutputError: outErr, maxModulatorError: modErr, spikeRate: spikes / (steps * batch * nHid) };
}
