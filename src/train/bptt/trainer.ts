/**
 * BPTT meta-training on a temporal task: exact gradients of the task loss through the whole episode
 * (fixed weights and plasticity parameters alike) via the tensor engine's autodiff, Adam, global-norm
 * gradient clipping. Each iteration samples a fresh batch of episodes (new pairings / patterns), so the
 * only way to score is to learn within the episode.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, deriveSeed } from "../../core/rng.ts";
import { Adam, type AdamState } from "../optim/adam.ts";
import { createTensorNet, selectTensorBackend, type TensorNet } from "../../snn/tensor.ts";
import type { NetworkSpec } from "../../snn/spec.ts";
import type { TemporalBatch, TemporalTask } from "../tasks/types.ts";
import { maskedCrossEntropy, maskedMse } from "./loss.ts";

export interface BpttOptions {
  spec: NetworkSpec;
  task: TemporalTask;
  params: Float32Array;
  seed: number;
  /** Total iterations to reach (counting `startIteration`). */
  iterations?: number | undefined;
  deadline?: number | undefined;
  startIteration?: number | undefined;
  adamState?: AdamState | undefined;
  batch: number;
  lr: number;
  /** Global gradient-norm clip (0 = off). */
  clipNorm: number;
  logitScale?: number | undefined;
  evalEvery?: number | undefined;
  evalBatch?: number | undefined;
  signal?: AbortSignal | undefined;
  onIteration?: ((row: BpttRow) => void) | undefined;
  /** Called after every iteration with the number of completed iterations (for checkpoints). */
  onCheckpoint?: ((completed: number, params: Float32Array, adam: AdamState) => void) | undefined;
}

export interface BpttRow {
  iteration: number;
  loss: number;
  grad_norm: number;
  clipped: boolean;
  train_accuracy: number;
  eval_accuracy?: number;
  wall_s: number;
}

export interface BpttResult {
  params: Float32Array;
  iteration: number;
  adam: AdamState;
  backend: string;
  rows: BpttRow[];
  stoppedBy: "iterations" | "deadline" | "signal";
  /** Held-out accuracy of the final parameters (when evalEvery > 0). */
  finalEval?: number | undefined;
}

function tensors(data: TemporalBatch) {
  return {
    X: tf.tensor3d(data.inputs, [data.T, data.batch, data.nIn]),
    Y: tf.tensor3d(data.targets, [data.T, data.batch, data.nOut]),
    M: tf.tensor2d(data.mask, [data.T, data.batch]),
  };
}

/** Forward only: outputs [T, B, nOut] as a flat array. */
export function taskOutputs(net: TensorNet, params: Float32Array, data: TemporalBatch): Float32Array {
  return tf.tidy(() => {
    const { X } = tensors(data);
    return net.simulate(tf.tensor1d(params), X).dataSync() as Float32Array;
  }).slice();
}

/** Accuracy of `params` on `episodes` fresh episodes drawn from `seed`. */
export function evaluateTask(net: TensorNet, task: TemporalTask, params: Float32Array, seed: number, episodes: number, chunk = 32): number {
  const rng = new Rng(seed);
  let correct = 0;
  let total = 0;
  for (let done = 0; done < episodes; done += chunk) {
    const data = task.sample(rng, Math.min(chunk, episodes - done));
    const score = task.score(taskOutputs(net, params, data), data);
    correct += score.accuracy * data.queries.length;
    total += data.queries.length;
  }
  return correct / total;
}

export async function trainBptt(o: BpttOptions): Promise<BpttResult> {
  const backend = await selectTensorBackend();
  const net = createTensorNet(o.spec);
  const params = o.params.slice();
  const adam = new Adam(params.length, { lr: o.lr });
  if (o.adamState) adam.load(o.adamState);
  const logitScale = o.logitScale ?? 5;
  const rows: BpttRow[] = [];
  let it = o.startIteration ?? 0;
  const grad64 = new Float64Array(params.length);
  const every = o.evalEvery ?? 0;
  const evalSeed = deriveSeed(o.seed, "bptt-eval");
  const finish = (stoppedBy: BpttResult["stoppedBy"]): BpttResult => {
    const last = rows.at(-1);
    const finalEval = every > 0 ? (last?.eval_accuracy ?? evaluateTask(net, o.task, params, evalSeed, o.evalBatch ?? 64)) : undefined;
    return { params, iteration: it, adam: adam.state(), backend, rows, stoppedBy, finalEval };
  };
  for (;;) {
    if (o.signal?.aborted) return finish("signal");
    if (o.iterations !== undefined && it >= o.iterations) return finish("iterations");
    if (o.deadline !== undefined && Date.now() >= o.deadline) return finish("deadline");
    const started = performance.now();
    const data = o.task.sample(new Rng(deriveSeed(o.seed, "bptt-batch", it)), o.batch);
    const { loss, grad, outputs } = tf.tidy(() => {
      const { X, Y, M } = tensors(data);
      const P = tf.tensor1d(params);
      let out: tf.Tensor3D | null = null;
      const f = (q: tf.Tensor) => {
        const y = net.simulate(q as tf.Tensor1D, X);
        out = tf.keep(y);
        return o.task.loss === "classification" ? maskedCrossEntropy(y, Y, M, logitScale) : maskedMse(y, Y, M);
      };
      const { value, grad: g } = tf.valueAndGrad(f)(P);
      const result = { loss: value.dataSync()[0]!, grad: (g.dataSync() as Float32Array).slice(), outputs: (out as unknown as tf.Tensor).dataSync() as Float32Array };
      (out as unknown as tf.Tensor).dispose();
      return result;
    });
    let normSq = 0;
    for (let i = 0; i < grad.length; i++) normSq += grad[i]! * grad[i]!;
    const norm = Math.sqrt(normSq);
    const clipped = o.clipNorm > 0 && norm > o.clipNorm;
    const scale = clipped ? o.clipNorm / norm : 1;
    // A non-finite gradient (a diverging episode) skips the update rather than poisoning Adam's moments.
    const finite = Number.isFinite(norm);
    if (finite) {
      for (let i = 0; i < grad.length; i++) grad64[i] = -grad[i]! * scale;
      adam.ascend(params, grad64);
    }
    const row: BpttRow = {
      iteration: it,
      loss,
      grad_norm: norm,
      clipped,
      train_accuracy: o.task.score(outputs, data).accuracy,
      wall_s: (performance.now() - started) / 1000,
    };
    if (every > 0 && ((it + 1) % every === 0 || it + 1 === o.iterations)) {
      row.eval_accuracy = evaluateTask(net, o.task, params, evalSeed, o.evalBatch ?? 64);
    }
    rows.push(row);
    it += 1;
    o.onIteration?.(row);
    o.onCheckpoint?.(it, params, adam.state());
  }
}
