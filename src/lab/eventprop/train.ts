/**
 * Mini-batch EventProp training of an event-based classifier, with separate Adam learning rates for
 * weights and delays (delays clipped to [0, maxDelay]); `learnDelays: false` freezes delays at their init,
 * `delayLayers` restricts delay learning to some projections.
 */
import { Rng } from "../../core/rng.ts";
import { AdamGroup } from "./optim.ts";
import {
  lossAndGradient,
  zerosLike,
  type EventNetConfig,
  type EventNetParams,
  type LabelledSpikes,
} from "./network.ts";

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lrWeights: number;
  lrDelays: number;
  learnDelays: boolean;
  /** With learnDelays: the projections whose delays learn (default all); the others keep their init. */
  delayLayers?: number[];
  maxDelay: number;
  /** Logit scale applied to the readout value (mean or max voltage, per config.readout). */
  scale: number;
  seed: number;
  log?: (message: string) => void;
}

export interface EvalResult {
  accuracy: number;
  loss: number;
  spikesPerSample: number;
}

export function evaluate(config: EventNetConfig, params: EventNetParams, data: LabelledSpikes[], scale: number): EvalResult {
  let correct = 0;
  let loss = 0;
  let spikes = 0;
  for (const s of data) {
    const r = lossAndGradient(config, params, s, scale, null);
    if (r.correct) correct++;
    loss += r.loss;
    spikes += r.spikes;
  }
  return { accuracy: correct / data.length, loss: loss / data.length, spikesPerSample: spikes / data.length };
}

export interface TrainHistoryEntry {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
}

export function trainEventProp(
  config: EventNetConfig,
  params: EventNetParams,
  train: LabelledSpikes[],
  o: TrainOptions,
): TrainHistoryEntry[] {
  const rng = new Rng(o.seed);
  const optW = new AdamGroup(params.w, o.lrWeights);
  const delayLayers = o.delayLayers ?? Array.from(params.d.keys());
  for (const l of delayLayers) {
    if (!Number.isInteger(l) || l < 0 || l >= params.d.length) throw new Error(`delayLayers: no projection ${l}`);
  }
  const optD = new AdamGroup(delayLayers.map((l) => params.d[l]!), o.lrDelays, [0, o.maxDelay]);
  const order = Array.from(train.keys());
  const history: TrainHistoryEntry[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < order.length; b += o.batchSize) {
      const grads = zerosLike(params);
      const end = Math.min(order.length, b + o.batchSize);
      for (let i = b; i < end; i++) {
        const r = lossAndGradient(config, params, train[order[i]!]!, o.scale, grads);
        loss += r.loss;
        if (r.correct) correct++;
      }
      optW.step(grads.w, end - b);
      if (o.learnDelays) optD.step(delayLayers.map((l) => grads.d[l]!), end - b);
    }
    const entry = { epoch, trainLoss: loss / train.length, trainAccuracy: correct / train.length };
    history.push(entry);
    o.log?.(`epoch ${epoch}: loss ${entry.trainLoss.toFixed(4)} acc ${entry.trainAccuracy.toFixed(3)}`);
  }
  return history;
}
