/**
 * Learning precise spike times with e-prop (Traub et al. 2020, experiment T4).
 * Frozen Poisson input trains drive one neuron ("single") or a few hidden neurons feeding one output
 * neuron ("small"). The loss compares the exponentially filtered output spike train with the filtered
 * target train (a van Rossum distance), so the output neuron's learning signal is exact e-prop and
 * hidden neurons get it through fixed random feedback. Only input (and hidden->output) weights learn.
 */
import { Rng } from "../../core/rng.ts";
import { Adam } from "../../train/optim/adam.ts";
import { EpropNetwork, type EpropNetConfig, zeroParams } from "./network.ts";
import { type NeuronModel, defaultNeuronParams } from "./neurons.ts";

export interface SpikeTimingOptions {
  model: NeuronModel;
  seed: number;
  network: "single" | "small";
  epochs?: number;
  lr?: number;
  steps?: number;
  nIn?: number;
  nHidden?: number;
  targetCount?: number;
}

export interface TimingMetrics {
  /** Mean over target spikes of |target - nearest output spike| (ms), capped at `capMs` when silent. */
  timingErrorMs: number;
  outputSpikes: number;
  targetSpikes: number;
  /** Extra or missing spikes: |outputSpikes - targetSpikes|. */
  countError: number;
  /** Van Rossum-style loss 0.5 * sum_t (y - y*)^2. */
  loss: number;
  spikeTimesMs: number[];
}

export interface SpikeTimingResult {
  model: NeuronModel;
  network: "single" | "small";
  seed: number;
  targetTimesMs: number[];
  before: TimingMetrics;
  after: TimingMetrics;
  best: TimingMetrics;
  lossCurve: number[];
}

const CAP_MS = 50;

export function timingMetrics(spikeSteps: number[], targetSteps: number[], dt: number, loss: number): TimingMetrics {
  let err = 0;
  for (const t of targetSteps) {
    let best = CAP_MS;
    for (const s of spikeSteps) best = Math.min(best, Math.abs(s - t) * dt);
    err += best;
  }
  return {
    timingErrorMs: targetSteps.length ? err / targetSteps.length : 0,
    outputSpikes: spikeSteps.length,
    targetSpikes: targetSteps.length,
    countError: Math.abs(spikeSteps.length - targetSteps.length),
    loss,
    spikeTimesMs: spikeSteps.map((s) => s * dt),
  };
}

export function trainSpikeTiming(options: SpikeTimingOptions): SpikeTimingResult {
  const { model, seed, network } = options;
  const epochs = options.epochs ?? 150;
  const nIn = options.nIn ?? 100;
  const nHidden = network === "small" ? (options.nHidden ?? 10) : 0;
  const nRec = nHidden + 1;
  const out = nHidden; // the output neuron is the last one
  const neuron = defaultNeuronParams(model, model === "stdpLif" ? { refractorySteps: 5 } : {});
  const dt = neuron.dt;
  const steps = options.steps ?? Math.round(200 / dt);
  const rng = new Rng(seed).fork("spike-timing");

  const config: EpropNetConfig = { neuron, nIn, nRec, nOut: 1, tauOut: 10, feedback: "random", recurrent: network === "small" };
  const params = zeroParams(config);
  const inScale = model === "izhikevich" ? 40 : 1;
  const inRng = rng.fork("weights");
  for (let k = 0; k < params.wIn.length; k++) params.wIn[k] = inScale * (0.02 + 0.06 * inRng.normal());
  params.wOut[out] = 1;
  const net = new EpropNetwork(config, params, seed);
  net.recMask.fill(0);
  for (let j = 0; j < nHidden; j++) {
    params.wRec[out * nRec + j] = inScale * (0.2 + 0.1 * inRng.normal());
    net.recMask[out * nRec + j] = 1;
  }
  // Output neuron: exact learning signal; hidden neurons: fixed random feedback.
  const fbRng = rng.fork("feedback");
  for (let j = 0; j < nHidden; j++) net.feedbackMatrix[j] = fbRng.normal();
  net.feedbackMatrix[out] = 1;

  const inputRate = 0.02; // spikes per input per ms
  const xs = new Float32Array(steps * nIn);
  const dataRng = rng.fork("inputs");
  for (let k = 0; k < xs.length; k++) xs[k] = dataRng.uniform() < inputRate * dt ? 1 : 0;
  const targetCount = options.targetCount ?? 3;
  const targetSteps: number[] = [];
  const slot = Math.floor((steps - Math.round(40 / dt)) / targetCount);
  for (let k = 0; k < targetCount; k++) targetSteps.push(Math.round(20 / dt) + k * slot + dataRng.int(Math.max(1, slot - Math.round(20 / dt))));
  const targetTrace = new Float32Array(steps);
  {
    let y = 0, ti = 0;
    for (let t = 0; t < steps; t++) {
      y *= net.kappa;
      if (ti < targetSteps.length && targetSteps[ti] === t) { y += 1; ti++; }
      targetTrace[t] = y;
    }
  }

  const learnIn = params.wIn, learnRec = params.wRec;
  const adamIn = new Adam(learnIn.length, { lr: (options.lr ?? 0.003) * inScale });
  const adamRec = new Adam(learnRec.length, { lr: (options.lr ?? 0.003) * inScale });
  const negIn = new Float32Array(learnIn.length), negRec = new Float32Array(learnRec.length);
  const spikeSteps: number[] = [];

  const episode = (): TimingMetrics => {
    net.reset();
    net.zeroGrad();
    spikeSteps.length = 0;
    const target = new Float32Array(1);
    for (let t = 0; t < steps; t++) {
      net.step(xs.subarray(t * nIn, (t + 1) * nIn));
      target[0] = targetTrace[t]!;
      net.supervise(target);
      if (net.z[out]) spikeSteps.push(t);
    }
    return timingMetrics(spikeSteps, targetSteps, dt, net.loss);
  };

  const before = episode();
  let best = before;
  const lossCurve: number[] = [before.loss];
  let last = before;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let k = 0; k < negIn.length; k++) negIn[k] = -net.grads.wIn[k]!;
    for (let k = 0; k < negRec.length; k++) negRec[k] = net.recMask[k] ? -net.grads.wRec[k]! : 0;
    adamIn.ascend(learnIn, negIn);
    if (nHidden) adamRec.ascend(learnRec, negRec);
    last = episode();
    lossCurve.push(last.loss);
    if (last.loss < best.loss) best = last;
  }
  return { model, network, seed, targetTimesMs: targetSteps.map((s) => s * dt), before, after: last, best, lossCurve };
}
