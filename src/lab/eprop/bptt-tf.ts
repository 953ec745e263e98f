/**
 * Reference BPTT for the same LIF/ALIF layer as network.ts, written with tfjs autodiff
 * (the SNN helper's tensor engine had no LIF layer with this readout when this was written).
 * The spike uses the same triangular pseudo-derivative; `detachReset` stops the gradient through
 * the reset term, which is what e-prop drops, so in a feed-forward layer the two gradients agree.
 */
import type * as TF from "@tensorflow/tfjs";
import { SpikelocoError } from "../../core/errors.ts";
import type { EpropGrads, EpropNetConfig, EpropParams } from "./network.ts";

export type Tf = typeof TF;

/** tfjs with the wasm backend when it initialises, else cpu. Returns the module and backend name. */
export async function loadTf(prefer: "wasm" | "cpu" = "wasm"): Promise<{ tf: Tf; backend: string }> {
  const tf = await import("@tensorflow/tfjs");
  if (prefer === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    try {
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        return { tf, backend: "wasm" };
      }
    } catch {
      // fall through to cpu
    }
  }
  const { useCpuBackend } = await import("../../snn/tensor.ts");
  await useCpuBackend();
  return { tf, backend: "cpu" };
}

export interface BpttOptions {
  detachReset: boolean;
}

/**
 * Loss 0.5 * sum_t |y^t - y*^t|^2 and its BPTT gradient for inputs `xs` (T x nIn) and targets (T x nOut).
 */
export function bpttGradients(
  tf: Tf,
  config: EpropNetConfig,
  params: EpropParams,
  xs: Float32Array,
  targets: Float32Array,
  steps: number,
  options: BpttOptions,
): { loss: number; grads: EpropGrads } {
  const { neuron, nIn, nRec, nOut } = config;
  if (neuron.model !== "lif" && neuron.model !== "alif") {
    throw new SpikelocoError(`BPTT reference supports lif and alif, got '${neuron.model}'`, "model");
  }
  if (neuron.refractorySteps !== 0) {
    throw new SpikelocoError("BPTT reference needs refractorySteps = 0", "refractorySteps");
  }
  const alpha = Math.exp(-neuron.dt / neuron.tauMem);
  const rho = Math.exp(-neuron.dt / neuron.tauAdapt);
  const kappa = Math.exp(-neuron.dt / config.tauOut);
  const beta = neuron.model === "alif" ? neuron.beta : 0;
  const thr = neuron.threshold, gamma = neuron.gamma;

  const spike = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const x = args[0] as TF.Tensor;
    (args[1] as TF.GradSaveFunc)([x]);
    return {
      value: tf.cast(tf.greaterEqual(x, 0), "float32"),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
        const psi = tf.mul(tf.relu(tf.sub(1, tf.div(tf.abs(saved[0]!), thr))), gamma / thr);
        return [tf.mul(dy, psi)];
      },
    };
  }) as (x: TF.Tensor) => TF.Tensor;
  const stopGradient = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => ({
    value: tf.clone(args[0] as TF.Tensor),
    gradFunc: (dy: TF.Tensor) => [tf.zerosLike(dy)],
  })) as (x: TF.Tensor) => TF.Tensor;

  const recMask = tf.tidy(() => tf.sub(1, tf.eye(nRec)));
  const wIn = tf.variable(tf.tensor2d(params.wIn, [nRec, nIn]));
  const wRec = tf.variable(tf.tensor2d(params.wRec, [nRec, nRec]));
  const wOut = tf.variable(tf.tensor2d(params.wOut, [nOut, nRec]));
  const bOut = tf.variable(tf.tensor1d(params.bOut));
  const x = tf.tensor2d(xs, [steps, nIn]);
  const target = tf.tensor2d(targets, [steps, nOut]);

  const lossFn = (): TF.Scalar => {
    const wInT = tf.transpose(wIn);
    const wRecT = tf.transpose(tf.mul(wRec, recMask));
    const wOutT = tf.transpose(wOut);
    let v: TF.Tensor = tf.zeros([1, nRec]);
    let a: TF.Tensor = tf.zeros([1, nRec]);
    let z: TF.Tensor = tf.zeros([1, nRec]);
    let y: TF.Tensor = tf.zeros([1, nOut]);
    let loss: TF.Tensor = tf.scalar(0);
    for (let t = 0; t < steps; t++) {
      const xt = tf.slice(x, [t, 0], [1, nIn]);
      const input = tf.add(tf.matMul(xt, wInT), tf.matMul(z, wRecT));
      const reset = tf.mul(options.detachReset ? stopGradient(z) : z, thr);
      v = tf.sub(tf.add(tf.mul(v, alpha), input), reset);
      a = tf.add(tf.mul(a, rho), z);
      z = spike(tf.sub(v, tf.add(thr, tf.mul(a, beta))));
      y = tf.add(tf.mul(y, kappa), tf.add(tf.matMul(z, wOutT), bOut));
      const diff = tf.sub(y, tf.slice(target, [t, 0], [1, nOut]));
      loss = tf.add(loss, tf.mul(0.5, tf.sum(tf.square(diff))));
    }
    return loss as TF.Scalar;
  };

  const vars = [wIn, wRec, wOut, bOut];
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const read = (name: string) => new Float32Array(grads[name]!.dataSync());
  const out: EpropGrads = {
    wIn: read(wIn.name),
    wRec: read(wRec.name),
    wOut: read(wOut.name),
    bOut: read(bOut.name),
  };
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads), ...vars, x, target, recMask]);
  return { loss, grads: out };
}
