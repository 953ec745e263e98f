/**
 * Time-stepped BPTT reference (tfjs) for the same delayed network as network.ts (one hidden LIF layer,
 * leaky-integrator readout, per-synapse delays on both projections), used to compare the cost of an
 * EventProp gradient with a tape-based one. Delays are continuous: a delayed read of a spike raster
 * interpolates linearly between the two neighbouring steps, so d(loss)/d(delay) flows through the
 * interpolation weight. Spikes use a fast-sigmoid surrogate gradient, so this is not the exact gradient;
 * it is the usual BPTT cost (the tape grows with the number of time steps).
 */
import * as tf from "@tensorflow/tfjs";
import type { EventNetConfig, EventNetParams, SpikeTrain } from "./network.ts";

const spikeBody = (v: tf.Tensor, save: tf.GradSaveFunc) => {
  save([v]);
  return {
    value: tf.cast(tf.greaterEqual(v, 0), "float32"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.square(tf.add(tf.mul(tf.abs(saved[0]!), 10), 1))),
  };
};
const spikeFnRaw = tf.customGrad(spikeBody as unknown as Parameters<typeof tf.customGrad>[0]);
const spikeFn = (v: tf.Tensor): tf.Tensor => spikeFnRaw(v) as tf.Tensor;

/**
 * tf.gather with a scatter-add gradient: the WASM backend has no UnsortedSegmentSum kernel, which
 * tf.gather's own gradient needs, but it has ScatterNd (duplicate indices are summed).
 */
function gatherWithScatterGrad(x: tf.Tensor1D, indices: tf.Tensor1D): tf.Tensor1D {
  const size = x.shape[0];
  const body = (xx: tf.Tensor, idx: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(xx, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(saved[0]!.reshape([-1, 1]), dy, [size]), tf.zerosLike(saved[0]!)],
    };
  };
  const f = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, indices) as tf.Tensor1D;
}

/** Delayed read x[t - d] of a raster [steps, nPre] for every synapse (post, pre) -> [steps, nPost, nPre]. */
function delayedRead(raster: tf.Tensor2D, delaySteps: tf.Tensor, delayValues: Float32Array, nPost: number, nPre: number, steps: number): tf.Tensor3D {
  let maxShift = 0;
  for (const d of delayValues) maxShift = Math.max(maxShift, Math.floor(d) + 1);
  const padded = tf.concat([tf.zeros([maxShift, nPre]), raster], 0).reshape([-1]) as tf.Tensor1D;
  const idx0 = new Int32Array(steps * nPost * nPre);
  const idx1 = new Int32Array(steps * nPost * nPre);
  for (let t = 0; t < steps; t++) {
    for (let s = 0; s < nPost * nPre; s++) {
      const k = Math.floor(delayValues[s]!);
      const pre = s % nPre;
      idx0[t * nPost * nPre + s] = (t - k + maxShift) * nPre + pre;
      idx1[t * nPost * nPre + s] = (t - k - 1 + maxShift) * nPre + pre;
    }
  }
  const a = gatherWithScatterGrad(padded, tf.tensor1d(idx0, "int32")).reshape([steps, nPost, nPre]);
  const b = gatherWithScatterGrad(padded, tf.tensor1d(idx1, "int32")).reshape([steps, nPost, nPre]);
  const frac = tf.sub(delaySteps, tf.floor(delaySteps)).reshape([1, nPost, nPre]);
  return tf.add(tf.mul(a, tf.sub(1, frac)), tf.mul(b, frac)) as tf.Tensor3D;
}

export interface BpttProblem {
  config: EventNetConfig;
  dt: number;
  steps: number;
  input: tf.Tensor2D;
  vars: { w1: tf.Variable; d1: tf.Variable; w2: tf.Variable; d2: tf.Variable };
  label: number;
}

export function rasterize(input: SpikeTrain, nIn: number, dt: number, steps: number): Float32Array {
  const raster = new Float32Array(steps * nIn);
  for (let k = 0; k < input.times.length; k++) {
    const t = Math.round(input.times[k]! / dt);
    if (t >= 0 && t < steps) raster[t * nIn + input.neurons[k]!]! += 1;
  }
  return raster;
}

export function makeBpttProblem(config: EventNetConfig, params: EventNetParams, input: SpikeTrain, label: number, dt: number): BpttProblem {
  if (config.sizes.length !== 3) throw new Error("the BPTT reference supports one hidden layer");
  const steps = Math.round(config.trialEnd / dt);
  const nIn = config.sizes[0]!;
  return {
    config,
    dt,
    steps,
    input: tf.tensor2d(rasterize(input, nIn, dt, steps), [steps, nIn]),
    vars: {
      w1: tf.variable(tf.tensor1d(Float32Array.from(params.w[0]!))),
      d1: tf.variable(tf.tensor1d(Float32Array.from(params.d[0]!, (d) => d / dt))),
      w2: tf.variable(tf.tensor1d(Float32Array.from(params.w[1]!))),
      d2: tf.variable(tf.tensor1d(Float32Array.from(params.d[1]!, (d) => d / dt))),
    },
    label,
  };
}

function bpttLoss(p: BpttProblem): tf.Scalar {
  const [nIn, nHid, nOut] = p.config.sizes as [number, number, number];
  const { tauMem, tauSyn, threshold } = p.config.lif;
  const aM = Math.exp(-p.dt / tauMem);
  const aS = Math.exp(-p.dt / tauSyn);
  const steps = p.steps;
  const xin = delayedRead(p.input, p.vars.d1, p.vars.d1.dataSync() as Float32Array, nHid, nIn, steps);
  const inCur = tf.sum(tf.mul(xin, p.vars.w1.reshape([1, nHid, nIn])), 2); // [steps, nHid]
  const inRows = tf.unstack(inCur, 0);
  let i: tf.Tensor = tf.zeros([nHid]);
  let v: tf.Tensor = tf.zeros([nHid]);
  const spikes: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    i = tf.add(tf.mul(i, aS), inRows[t]!);
    v = tf.add(tf.mul(v, aM), tf.mul(i, 1 - aM));
    const z = spikeFn(tf.sub(v, threshold));
    v = tf.mul(v, tf.sub(1, z));
    spikes.push(z);
  }
  const raster = tf.stack(spikes, 0) as tf.Tensor2D;
  const xh = delayedRead(raster, p.vars.d2, p.vars.d2.dataSync() as Float32Array, nOut, nHid, steps);
  const outCur = tf.unstack(tf.sum(tf.mul(xh, p.vars.w2.reshape([1, nOut, nHid])), 2), 0);
  let io: tf.Tensor = tf.zeros([nOut]);
  let vo: tf.Tensor = tf.zeros([nOut]);
  let acc: tf.Tensor = tf.zeros([nOut]);
  for (let t = 0; t < steps; t++) {
    io = tf.add(tf.mul(io, aS), outCur[t]!);
    vo = tf.add(tf.mul(vo, aM), tf.mul(io, 1 - aM));
    acc = tf.add(acc, vo);
  }
  const logits = tf.div(acc, steps).reshape([1, nOut]);
  const onehot = tf.oneHot(tf.tensor1d([p.label], "int32"), nOut);
  return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
}

export interface BpttGradient {
  loss: number;
  grads: { w1: Float32Array; d1: Float32Array; w2: Float32Array; d2: Float32Array };
}

/** One forward + backward through the whole tape; gradients copied out and all tensors released. */
export function bpttGradient(p: BpttProblem): BpttGradient {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => bpttLoss(p), [p.vars.w1, p.vars.d1, p.vars.w2, p.vars.d2]);
    const get = (v: tf.Variable) => grads[v.name]!.dataSync() as Float32Array;
    return {
      loss: value.dataSync()[0]!,
      grads: { w1: get(p.vars.w1), d1: get(p.vars.d1), w2: get(p.vars.w2), d2: get(p.vars.d2) },
    };
  });
}

export function disposeBpttProblem(p: BpttProblem): void {
  p.input.dispose();
  for (const v of Object.values(p.vars)) v.dispose();
}
