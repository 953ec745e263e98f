/**
 * Two-neuron order-swap harness (Traub et al. 2020, the 3P test): a presynaptic and a postsynaptic
 * neuron of the same model are kicked by brief input pulses once per period; in the first half the
 * presynaptic neuron fires `lagMs` before the postsynaptic one (causal), in the second half after it
 * (anti-causal). The e-prop eligibility trace of the recurrent synapse post <- pre is summed per phase
 * (a constant learning signal of 1, so the sum is the accumulated gradient direction).
 */
import { Rng } from "../../core/rng.ts";
import { EpropNetwork, type EpropNetConfig, zeroParams } from "./network.ts";
import { type NeuronModel, type NeuronParams, defaultNeuronParams } from "./neurons.ts";

export interface OrderSwapOptions {
  model: NeuronModel;
  seed: number;
  periodMs?: number;
  lagMs?: number;
  cycles?: number;
  /** Uniform jitter (ms) on every kick time, drawn from the seed. */
  jitterMs?: number;
  neuron?: Partial<NeuronParams>;
  /** Kick amplitude (input weight) and duration (ms); model defaults when absent. */
  kick?: number;
  kickMs?: number;
  /** Number of points in the returned cumulative-eligibility curve. */
  curvePoints?: number;
}

export interface OrderSwapResult {
  model: string;
  eligibilityCausal: number;
  eligibilityAntiCausal: number;
  signChanges: boolean;
  /** Mean measured (post - pre) spike lag in ms per phase. */
  meanLagCausalMs: number;
  meanLagAntiCausalMs: number;
  preSpikes: number;
  postSpikes: number;
  /** Cumulative eligibility sampled evenly over the run (the swap is at the midpoint). */
  cumulative: number[];
}

const PRE = 0;
const POST = 1;

/**
 * Kick pulse (amplitude, ms) and the weak pre->post weight in each model's units. The pulses ramp the
 * membrane through threshold over a few ms; a one-step jump straight past the Izhikevich peak skips the
 * upswing where the eligibility of a late presynaptic spike turns negative (see the repro notes).
 */
export function driveFor(model: NeuronModel): { kick: number; kickMs: number; weight: number } {
  return model === "izhikevich" ? { kick: 10, kickMs: 10, weight: 1 } : { kick: 0.4, kickMs: 4, weight: 0.05 };
}

/**
 * Kick pulses per step for [pre, post] (kicks[t * 2 + n] = 1 while neuron n is kicked): causal half first,
 * then anti-causal, each kick time jittered by U(-jitter, jitter) ms drawn from `rng`.
 */
export function kickSchedule(
  options: Pick<OrderSwapOptions, "periodMs" | "lagMs" | "cycles" | "jitterMs">,
  dt: number,
  kickSteps: number,
  rng: Rng,
): { kicks: Int32Array; totalSteps: number; stepsPerPeriod: number } {
  const periodMs = options.periodMs ?? 50;
  const lagMs = options.lagMs ?? 4;
  const cycles = options.cycles ?? 20;
  const jitterMs = options.jitterMs ?? 1;
  const stepsPerPeriod = Math.round(periodMs / dt);
  const totalCycles = 2 * cycles;
  const totalSteps = totalCycles * stepsPerPeriod;
  const kicks = new Int32Array(totalSteps * 2).fill(0);
  for (let c = 0; c < totalCycles; c++) {
    const causal = c < cycles;
    const base = c * stepsPerPeriod + Math.round(periodMs / (2 * dt));
    const preAt = base + Math.round(((causal ? 0 : lagMs) + rng.range(-jitterMs, jitterMs)) / dt);
    const postAt = base + Math.round(((causal ? lagMs : 0) + rng.range(-jitterMs, jitterMs)) / dt);
    for (let k = 0; k < kickSteps; k++) {
      kicks[(preAt + k) * 2 + 0] = 1;
      kicks[(postAt + k) * 2 + 1] = 1;
    }
  }

  return { kicks, totalSteps, stepsPerPeriod };
}

export function runOrderSwap(options: OrderSwapOptions): OrderSwapResult {
  const model = options.model;
  const neuron = defaultNeuronParams(model, {
    refractorySteps: model === "stdpLif" || model === "lif" ? 10 : 0,
    ...options.neuron,
  });
  const dt = neuron.dt;
  const rng = new Rng(options.seed).fork("order-swap", model);

  const config: EpropNetConfig = { neuron, nIn: 2, nRec: 2, nOut: 1, tauOut: 20, feedback: "symmetric", recurrent: true };
  const params = zeroParams(config);
  const drive = driveFor(model);
  const kick = options.kick ?? drive.kick;
  const weight = drive.weight;
  const kickSteps = Math.max(1, Math.round((options.kickMs ?? drive.kickMs) / dt));
  params.wIn[PRE * 2 + 0] = kick;
  params.wIn[POST * 2 + 1] = kick;
  params.wRec[POST * 2 + PRE] = weight;
  const net = new EpropNetwork(config, params);
  net.recMask.fill(0);
  net.recMask[POST * 2 + PRE] = 1;
  net.reset();

  const { kicks, totalSteps, stepsPerPeriod } = kickSchedule(options, dt, kickSteps, rng);

  const synapse = POST * 2 + PRE;
  const x = new Float32Array(2);
  return measureOrderSwap(model, { totalSteps, stepsPerPeriod, dt, points: options.curvePoints ?? 40 }, (t, spikes) => {
    x[0] = kicks[t * 2]!;
    x[1] = kicks[t * 2 + 1]!;
    net.step(x);
    spikes[0] = net.z[PRE]!;
    spikes[1] = net.z[POST]!;
    return net.eRec[synapse]!;
  });
}

/**
 * Runs `advance(t, spikes)` for every step (it steps the network, writes [pre, post] spikes and returns the
 * synapse's eligibility trace e^t) and sums e per phase, with the measured lags and a cumulative curve.
 */
export function measureOrderSwap(
  model: string,
  run: { totalSteps: number; stepsPerPeriod: number; dt: number; points: number },
  advance: (t: number, spikes: Uint8Array) => number,
): OrderSwapResult {
  const { totalSteps, stepsPerPeriod, dt, points } = run;
  const spikes = new Uint8Array(2);
  const cumulative: number[] = [];
  let sumCausal = 0, sumAnti = 0, cum = 0;
  let lastPre = -Infinity, lastPost = -Infinity;
  const lags: [number[], number[]] = [[], []];
  let preSpikes = 0, postSpikes = 0;
  for (let t = 0; t < totalSteps; t++) {
    const e = advance(t, spikes);
    const causal = t < totalSteps / 2;
    if (causal) sumCausal += e;
    else sumAnti += e;
    cum += e;
    if ((t + 1) % Math.max(1, Math.floor(totalSteps / points)) === 0) cumulative.push(cum);
    const phase = causal ? 0 : 1;
    if (spikes[0]) {
      preSpikes++;
      lastPre = t;
      if (t - lastPost < stepsPerPeriod / 2) lags[phase].push((lastPost - t) * dt);
    }
    if (spikes[1]) {
      postSpikes++;
      lastPost = t;
      if (t - lastPre < stepsPerPeriod / 2) lags[phase].push((t - lastPre) * dt);
    }
  }
  const avg = (xs: number[]) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : NaN);
  return {
    model,
    eligibilityCausal: sumCausal,
    eligibilityAntiCausal: sumAnti,
    signChanges: Math.sign(sumCausal) !== Math.sign(sumAnti) && sumCausal !== 0 && sumAnti !== 0,
    meanLagCausalMs: avg(lags[0]),
    meanLagAntiCausalMs: avg(lags[1]),
    preSpikes,
    postSpikes,
    cumulative,
  };
}
