/**
 * Event-based feed-forward LIF network with per-synapse delays, and its EventProp gradient (float64).
 *
 * Layers: input spikes -> LIF layers (exponential synapses, multiple spikes per neuron, reset to 0) ->
 * leaky-integrator readout (same V/I dynamics, no spikes). Every projection l has weights w[l] and
 * delays d[l] (index post * nPre + pre); a spike at t reaches its target at t + d.
 * Loss: softmax cross-entropy on a per-output readout value m_k, either
 *  - "mean": the readout's mean voltage over [0, T] (mlGeNN "avg_var"). Its derivative with respect to an
 *    arrival time t_a is -w psp(T - t_a) / T, which vanishes exponentially for arrivals well before T: the
 *    timing of early spikes is almost invisible to the gradient; or
 *  - "max": the readout's largest voltage over [0, T] (mlGeNN "max_var", the readout of the sequence-detection
 *    task of Meszaros, Knight & Nowotny 2025). m_k = V_k(t*_k), so dm/dt_a = -w psp'(t*_k - t_a): arrivals
 *    near the peak, wherever it lies in the trial, carry timing gradients. At an interior peak V' = 0, so the
 *    movement of t* adds nothing (envelope theorem); at a peak sitting on the kink of an arrival (a negative
 *    weight that turns V down) t* moves with that arrival, which adds V'(t*-) to its timing derivative.
 *
 * The forward pass is exact (closed-form flow between events, root-found threshold crossings). The
 * backward pass integrates the adjoint in reverse time, in closed form between events, with a jump of
 * dL/dV at every spike and "delayed reads": the adjoint of a target neuron is taken at the arrival time
 * t_k + d, which the reverse sweep of the layer above has already visited. Memory grows with the number of
 * spikes (times, arrivals), not with the number of time steps.
 */
import { Rng } from "../../core/rng.ts";
import {
  adjointBack,
  lifCurrent,
  lifNextCrossing,
  lifPeakTime,
  lifVoltage,
  pspIntegral,
  pspKernel,
  pspKernelSlope,
  validateLif,
  type LifConstants,
} from "./lif.ts";

export interface EventNetConfig {
  /** [nIn, nHidden..., nOut]; at least one hidden LIF layer. */
  sizes: number[];
  lif: LifConstants;
  /** Trial end T: spikes after T are dropped; the readout is taken over [0, T]. */
  trialEnd: number;
  /** Readout value fed to the cross-entropy: mean voltage over [0, T] (default) or max over [0, T]. */
  readout?: ReadoutKind;
}

export type ReadoutKind = "mean" | "max";

export interface EventNetParams {
  w: Float64Array[];
  d: Float64Array[];
}

export interface SpikeTrain {
  times: Float64Array;
  neurons: Int32Array;
}

export interface LabelledSpikes extends SpikeTrain {
  label: number;
}

/** What the forward pass keeps for the backward pass (per LIF layer). */
interface LayerRecord {
  spikeTime: number[];
  spikeNeuron: number[];
  spikeCurrent: number[];
  arrivalTime: number[];
  arrivalSynapse: number[];
  arrivalSpike: number[];
  /** Per-neuron event list in time order: >= 0 arrival index, < 0 -(spike index + 1). */
  events: number[];
  eventTime: number[];
  neuronStart: number[];
}

export interface ForwardResult {
  /** Readout value per output neuron (mean or max voltage over [0, T], per config.readout). */
  readout: Float64Array;
  /** "max" readout: time t* of each output's maximum (0 when V never exceeds 0), else empty. */
  readoutTime: Float64Array;
  /**
   * "max" readout: index (into outArrival*) of the arrival whose kink carries the maximum (V rising
   * before it, falling after it), or -1 for an interior peak, a peak at T, or no peak; else empty.
   */
  readoutKink: Int32Array;
  /** "max" readout: dV/dt just before t* at a kink maximum (0 otherwise). */
  readoutKinkSlope: Float64Array;
  /** Spike counts per LIF layer. */
  spikeCounts: number[];
  layers: LayerRecord[];
  /** Readout arrivals: time, synapse, presynaptic spike index. */
  outArrivalTime: number[];
  outArrivalSynapse: number[];
  outArrivalSpike: number[];
}

export interface Gradients {
  w: Float64Array[];
  d: Float64Array[];
}

export function validateConfig(config: EventNetConfig): void {
  validateLif(config.lif);
  if (config.sizes.length < 3 || config.sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`sizes must be >= 3 positive integers (input, hidden..., output), got [${config.sizes}]`);
  }
  if (!(config.trialEnd > 0)) throw new Error(`trialEnd must be > 0, got ${config.trialEnd}`);
  if (config.readout !== undefined && config.readout !== "mean" && config.readout !== "max") {
    throw new Error(`readout must be "mean" or "max", got ${String(config.readout)}`);
  }
}

export interface InitOptions {
  weightScale?: number[];
  weightMean?: number[];
  delayRange?: [number, number];
}

export function initParams(config: EventNetConfig, seed: number, options: InitOptions = {}): EventNetParams {
  validateConfig(config);
  const rng = new Rng(seed);
  const w: Float64Array[] = [];
  const d: Float64Array[] = [];
  const [dlo, dhi] = options.delayRange ?? [0, 0];
  for (let l = 0; l + 1 < config.sizes.length; l++) {
    const nPre = config.sizes[l]!;
    const n = nPre * config.sizes[l + 1]!;
    const scale = options.weightScale?.[l] ?? 1 / Math.sqrt(nPre);
    const mean = options.weightMean?.[l] ?? 0;
    const wl = new Float64Array(n);
    const dl = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      wl[s] = mean + scale * rng.normal();
      dl[s] = dlo + (dhi - dlo) * rng.uniform();
    }
    w.push(wl);
    d.push(dl);
  }
  return { w, d };
}

export function zerosLike(p: EventNetParams): Gradients {
  return { w: p.w.map((a) => new Float64Array(a.length)), d: p.d.map((a) => new Float64Array(a.length)) };
}

function emptyLayer(): LayerRecord {
  return {
    spikeTime: [], spikeNeuron: [], spikeCurrent: [],
    arrivalTime: [], arrivalSynapse: [], arrivalSpike: [],
    events: [], eventTime: [], neuronStart: [],
  };
}

/** Simulate one LIF layer neuron by neuron (feed-forward, so neurons are independent given their inputs). */
function simulateLayer(
  config: EventNetConfig,
  preTimes: ArrayLike<number>,
  preNeurons: ArrayLike<number>,
  nPre: number,
  nPost: number,
  w: Float64Array,
  d: Float64Array,
): LayerRecord {
  const c = config.lif;
  const T = config.trialEnd;
  const rec = emptyLayer();
  const nSpikes = preTimes.length;
  const order: number[] = new Array(nSpikes);
  const arrT = new Float64Array(nSpikes);
  for (let j = 0; j < nPost; j++) {
    rec.neuronStart.push(rec.events.length);
    for (let k = 0; k < nSpikes; k++) {
      order[k] = k;
      arrT[k] = preTimes[k]! + d[j * nPre + preNeurons[k]!]!;
    }
    order.sort((x, y) => arrT[x]! - arrT[y]!);
    let v = 0;
    let cur = 0;
    let t = 0;
    const advanceTo = (target: number): void => {
      for (;;) {
        const u = lifNextCrossing(c, v, cur, target - t);
        if (u < 0) break;
        const ts = t + u;
        cur = lifCurrent(c, cur, u);
        t = ts;
        v = 0;
        const q = rec.spikeTime.length;
        rec.spikeTime.push(ts);
        rec.spikeNeuron.push(j);
        rec.spikeCurrent.push(cur);
        rec.events.push(-(q + 1));
        rec.eventTime.push(ts);
      }
      const u = target - t;
      v = lifVoltage(c, v, cur, u);
      cur = lifCurrent(c, cur, u);
      t = target;
    };
    for (let r = 0; r < nSpikes; r++) {
      const k = order[r]!;
      const ta = arrT[k]!;
      if (ta >= T) break;
      advanceTo(ta);
      const s = j * nPre + preNeurons[k]!;
      cur += w[s]!;
      const a = rec.arrivalTime.length;
      rec.arrivalTime.push(ta);
      rec.arrivalSynapse.push(s);
      rec.arrivalSpike.push(k);
      rec.events.push(a);
      rec.eventTime.push(ta);
    }
    advanceTo(T);
  }
  rec.neuronStart.push(rec.events.length);
  return rec;
}

export function forward(config: EventNetConfig, params: EventNetParams, input: SpikeTrain): ForwardResult {
  const sizes = config.sizes;
  const nL = sizes.length - 1;
  const layers: LayerRecord[] = [];
  let preTimes: ArrayLike<number> = input.times;
  let preNeurons: ArrayLike<number> = input.neurons;
  for (let l = 0; l + 1 < nL; l++) {
    const rec = simulateLayer(config, preTimes, preNeurons, sizes[l]!, sizes[l + 1]!, params.w[l]!, params.d[l]!);
    layers.push(rec);
    preTimes = rec.spikeTime;
    preNeurons = rec.spikeNeuron;
  }
  const nPre = sizes[nL - 1]!;
  const nOut = sizes[nL]!;
  const w = params.w[nL - 1]!;
  const d = params.d[nL - 1]!;
  const T = config.trialEnd;
  const readout = new Float64Array(nOut);
  const outArrivalTime: number[] = [];
  const outArrivalSynapse: number[] = [];
  const outArrivalSpike: number[] = [];
  for (let k = 0; k < preTimes.length; k++) {
    for (let j = 0; j < nOut; j++) {
      const s = j * nPre + preNeurons[k]!;
      const ta = preTimes[k]! + d[s]!;
      if (ta >= T) continue;
      outArrivalTime.push(ta);
      outArrivalSynapse.push(s);
      outArrivalSpike.push(k);
    }
  }
  const isMax = config.readout === "max";
  const readoutTime = new Float64Array(isMax ? nOut : 0);
  const readoutKink = new Int32Array(isMax ? nOut : 0).fill(-1);
  const readoutKinkSlope = new Float64Array(isMax ? nOut : 0);
  if (!isMax) {
    for (let a = 0; a < outArrivalTime.length; a++) {
      const s = outArrivalSynapse[a]!;
      readout[Math.floor(s / nPre)]! += (w[s]! * pspIntegral(config.lif, T - outArrivalTime[a]!)) / T;
    }
  } else {
    maxReadout(config, w, nPre, nOut, outArrivalTime, outArrivalSynapse, readout, readoutTime, readoutKink, readoutKinkSlope);
  }
  return {
    readout,
    readoutTime,
    readoutKink,
    readoutKinkSlope,
    spikeCounts: layers.map((r) => r.spikeTime.length),
    layers,
    outArrivalTime,
    outArrivalSynapse,
    outArrivalSpike,
  };
}

/**
 * Exact maximum over [0, T] of each leaky-integrator readout. Between arrivals V is a sum of two exponentials
 * with at most one (closed-form) extremum, so the maximum is V(0) = 0, an interior peak of a segment, V at an
 * arrival (a kink, when the arrival's weight turns V down), or V(T).
 */
function maxReadout(
  config: EventNetConfig,
  w: Float64Array,
  nPre: number,
  nOut: number,
  arrTime: number[],
  arrSynapse: number[],
  value: Float64Array,
  time: Float64Array,
  kink: Int32Array,
  kinkSlope: Float64Array,
): void {
  const c = config.lif;
  const T = config.trialEnd;
  const byOut: number[][] = Array.from({ length: nOut }, () => []);
  for (let a = 0; a < arrTime.length; a++) byOut[Math.floor(arrSynapse[a]! / nPre)]!.push(a);
  for (let j = 0; j < nOut; j++) {
    const list = byOut[j]!.sort((x, y) => arrTime[x]! - arrTime[y]!);
    let v = 0;
    let cur = 0;
    let t = 0;
    let best = 0;
    let bestT = 0;
    let bestKink = -1;
    let bestSlope = 0;
    const segment = (end: number): void => {
      const u = end - t;
      const peak = lifPeakTime(c, v, cur, u);
      if (peak > 0) {
        const vp = lifVoltage(c, v, cur, peak);
        if (vp > best) {
          best = vp;
          bestT = t + peak;
          bestKink = -1;
          bestSlope = 0;
        }
      }
      v = lifVoltage(c, v, cur, u);
      cur = lifCurrent(c, cur, u);
      t = end;
    };
    for (const a of list) {
      segment(arrTime[a]!);
      const slopeBefore = (cur - v) / c.tauMem;
      cur += w[arrSynapse[a]!]!;
      // A maximum on the arrival itself: rising into it, not rising after it.
      if (v > best && slopeBefore > 0 && cur <= v) {
        best = v;
        bestT = t;
        bestKink = a;
        bestSlope = slopeBefore;
      }
    }
    segment(T);
    if (v > best) {
      best = v;
      bestT = T;
      bestKink = -1;
      bestSlope = 0;
    }
    value[j] = best;
    time[j] = bestT;
    kink[j] = bestKink;
    kinkSlope[j] = bestSlope;
  }
}

/** Softmax cross-entropy on readout * scale; returns loss and dL/dreadout. */
export function crossEntropy(readout: Float64Array, label: number, scale: number): { loss: number; grad: Float64Array; predicted: number } {
  let max = -Infinity;
  let predicted = 0;
  for (let j = 0; j < readout.length; j++) {
    if (readout[j]! * scale > max) {
      max = readout[j]! * scale;
      predicted = j;
    }
  }
  let z = 0;
  for (let j = 0; j < readout.length; j++) z += Math.exp(readout[j]! * scale - max);
  const grad = new Float64Array(readout.length);
  for (let j = 0; j < readout.length; j++) grad[j] = (Math.exp(readout[j]! * scale - max) / z - (j === label ? 1 : 0)) * scale;
  const loss = -(readout[label]! * scale - max - Math.log(z));
  return { loss, grad, predicted };
}

export interface BackwardStats {
  /** Floats kept between forward and backward (event store), for memory accounting. */
  storedValues: number;
}

/**
 * EventProp backward pass. `readoutGrad` = dL/d(readout value). Accumulates into `grads`.
 */
export function backward(
  config: EventNetConfig,
  params: EventNetParams,
  fwd: ForwardResult,
  readoutGrad: Float64Array,
  grads: Gradients,
): BackwardStats {
  const c = config.lif;
  const T = config.trialEnd;
  const tm = c.tauMem;
  const ts = c.tauSyn;
  const sizes = config.sizes;
  const nL = sizes.length - 1;
  const last = fwd.layers.length - 1;
  // Readout adjoint in closed form (linear neurons): per arrival, dL/dw and dL/d(arrival time).
  let downstream = new Float64Array(fwd.layers[last]!.spikeTime.length);
  {
    const w = params.w[nL - 1]!;
    const gw = grads.w[nL - 1]!;
    const gd = grads.d[nL - 1]!;
    const nPre = sizes[nL - 1]!;
    const isMax = config.readout === "max";
    for (let a = 0; a < fwd.outArrivalTime.length; a++) {
      const s = fwd.outArrivalSynapse[a]!;
      const out = Math.floor(s / nPre);
      let dw: number;
      let timing: number;
      if (!isMax) {
        // Constant running loss g/T on V over [0, T].
        const g = readoutGrad[out]! / T;
        const u = T - fwd.outArrivalTime[a]!;
        const aI = g * pspIntegral(c, u);
        const aV = g * tm * (1 - Math.exp(-u / tm));
        dw = aI;
        timing = w[s]! * (aI / ts - aV / tm);
      } else {
        // m = V(t*): dm/dw = psp(t* - t_a), dm/dt_a = -w psp'(t* - t_a); at a kink maximum on this arrival
        // (its own PSP is 0 at t*) t* = t_a, and dm/dt_a = V'(t*-).
        const g = readoutGrad[out]!;
        const u = fwd.readoutTime[out]! - fwd.outArrivalTime[a]!;
        if (fwd.readoutKink[out] === a) {
          dw = 0;
          timing = g * fwd.readoutKinkSlope[out]!;
        } else {
          dw = g * pspKernel(c, u);
          timing = -g * w[s]! * pspKernelSlope(c, u);
        }
      }
      gw[s]! += dw;
      gd[s]! += timing;
      downstream[fwd.outArrivalSpike[a]!]! += timing;
    }
  }
  const tmp = new Float64Array(2);
  let stored = fwd.outArrivalTime.length * 3 + fwd.readoutTime.length + fwd.readoutKink.length + fwd.readoutKinkSlope.length;
  for (let l = last; l >= 0; l--) {
    const rec = fwd.layers[l]!;
    stored += rec.spikeTime.length * 3 + rec.arrivalTime.length * 3 + rec.events.length * 2;
    const w = params.w[l]!;
    const gw = grads.w[l]!;
    const gd = grads.d[l]!;
    const upstream = l > 0 ? new Float64Array(fwd.layers[l - 1]!.spikeTime.length) : null;
    const nNeurons = rec.neuronStart.length - 1;
    for (let j = nNeurons - 1; j >= 0; j--) {
      let aV = 0;
      let aI = 0;
      let t = T;
      for (let e = rec.neuronStart[j + 1]! - 1; e >= rec.neuronStart[j]!; e--) {
        const te = rec.eventTime[e]!;
        adjointBack(c, aV, aI, t - te, tmp);
        aV = tmp[0]!;
        aI = tmp[1]!;
        t = te;
        const ev = rec.events[e]!;
        if (ev >= 0) {
          const s = rec.arrivalSynapse[ev]!;
          const timing = w[s]! * (aI / ts - aV / tm);
          gw[s]! += aI;
          gd[s]! += timing;
          if (upstream) upstream[rec.arrivalSpike[ev]!]! += timing;
        } else {
          // Jump at an own spike: the spike time moves by -dV/V'(t-), which shifts the reset and every arrival.
          const q = -ev - 1;
          const cur = rec.spikeCurrent[q]!;
          const slopeBefore = (cur - c.threshold) / tm;
          const slopeAfter = cur / tm;
          const dLdt = -aV * slopeAfter + downstream[q]!;
          aV = -dLdt / slopeBefore;
        }
      }
    }
    if (upstream) downstream = upstream;
  }
  return { storedValues: stored };
}

export interface SampleResult {
  loss: number;
  correct: boolean;
  spikes: number;
  storedValues: number;
}

/** Forward + cross-entropy + EventProp backward for one sample, accumulating into grads. */
export function lossAndGradient(
  config: EventNetConfig,
  params: EventNetParams,
  sample: LabelledSpikes,
  scale: number,
  grads: Gradients | null,
): SampleResult {
  const fwd = forward(config, params, sample);
  const ce = crossEntropy(fwd.readout, sample.label, scale);
  let stored = 0;
  if (grads) stored = backward(config, params, fwd, ce.grad, grads).storedValues;
  return {
    loss: ce.loss,
    correct: ce.predicted === sample.label,
    spikes: fwd.spikeCounts.reduce((a, b) => a + b, 0),
    storedValues: stored,
  };
}
