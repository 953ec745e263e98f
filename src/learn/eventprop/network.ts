/**
 * Event-based feed-forward LIF network with per-synapse delays, and its EventProp gradient (float64).
 *
 * Layers: input spikes -> LIF layers (exponential synapses, multiple spikes per neuron, reset to 0) ->
 * leaky-integrator readout (same V/I dynamics, no spikes). Every projection l has weights w[l] and
 * delays d[l] (index post * nPre + pre); a spike at t reaches its target at t + d.
 * Loss: softmax cross-entropy on the readout's mean voltage over [0, T].
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
  lifVoltage,
  pspIntegral,
  validateLif,
  type LifConstants,
} from "./lif.ts";

export interface EventNetConfig {
  /** [nIn, nHidden..., nOut]; at least one hidden LIF layer. */
  sizes: number[];
  lif: LifConstants;
  /** Trial end T: spikes after T are dropped; the readout is averaged over [0, T]. */
  trialEnd: number;
}

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
  /** Mean readout voltage per output neuron. */
  readout: Float64Array;
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
    const nPre = config.sizes[l];
    const n = nPre * config.sizes[l + 1];
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
      arrT[k] = preTimes[k] + d[j * nPre + preNeurons[k]];
    }
    order.sort((x, y) => arrT[x] - arrT[y]);
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
      const k = order[r];
      const ta = arrT[k];
      if (ta >= T) break;
      advanceTo(ta);
      const s = j * nPre + preNeurons[k];
      cur += w[s];
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
    const rec = simulateLayer(config, preTimes, preNeurons, sizes[l], sizes[l + 1], params.w[l], params.d[l]);
    layers.push(rec);
    preTimes = rec.spikeTime;
    preNeurons = rec.spikeNeuron;
  }
  const nPre = sizes[nL - 1];
  const nOut = sizes[nL];
  const w = params.w[nL - 1];
  const d = params.d[nL - 1];
  const T = config.trialEnd;
  const readout = new Float64Array(nOut);
  const outArrivalTime: number[] = [];
  const outArrivalSynapse: number[] = [];
  const outArrivalSpike: number[] = [];
  for (let k = 0; k < preTimes.length; k++) {
    for (let j = 0; j < nOut; j++) {
      const s = j * nPre + preNeurons[k];
      const ta = preTimes[k] + d[s];
      if (ta >= T) continue;
      readout[j] += (w[s] * pspIntegral(config.lif, T - ta)) / T;
      outArrivalTime.push(ta);
      outArrivalSynapse.push(s);
      outArrivalSpike.push(k);
    }
  }
  return {
    readout,
    spikeCounts: layers.map((r) => r.spikeTime.length),
    layers,
    outArrivalTime,
    outArrivalSynapse,
    outArrivalSpike,
  };
}

/** Softmax cross-entropy on readout * scale; returns loss and dL/dreadout. */
export function crossEntropy(readout: Float64Array, label: number, scale: number): { loss: number; grad: Float64Array; predicted: number } {
  let max = -Infinity;
  let predicted = 0;
  for (let j = 0; j < readout.length; j++) {
    if (readout[j] * scale > max) {
      max = readout[j] * scale;
      predicted = j;
    }
  }
  let z = 0;
  for (let j = 0; j < readout.length; j++) z += Math.exp(readout[j] * scale - max);
  const grad = new Float64Array(readout.length);
  for (let j = 0; j < readout.length; j++) grad[j] = (Math.exp(readout[j] * scale - max) / z - (j === label ? 1 : 0)) * scale;
  const loss = -(readout[label] * scale - max - Math.log(z));
  return { loss, grad, predicted };
}

export interface BackwardStats {
  /** Floats kept between forward and backward (event store), for memory accounting. */
  storedValues: number;
}

/**
 * EventProp backward pass. `readoutGrad` = dL/d(mean readout voltage). Accumulates into `grads`.
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
  // Readout adjoint in closed form (linear neurons with a constant running loss g/T on V).
  let downstream = new Float64Array(fwd.layers[last].spikeTime.length);
  {
    const w = params.w[nL - 1];
    const gw = grads.w[nL - 1];
    const gd = grads.d[nL - 1];
    const nPre = sizes[nL - 1];
    for (let a = 0; a < fwd.outArrivalTime.length; a++) {
      const s = fwd.outArrivalSynapse[a];
      const g = readoutGrad[Math.floor(s / nPre)] / T;
      const u = T - fwd.outArrivalTime[a];
      const aI = g * pspIntegral(c, u);
      const aV = g * tm * (1 - Math.exp(-u / tm));
      const timing = w[s] * (aI / ts - aV / tm);
      gw[s] += aI;
      gd[s] += timing;
      downstream[fwd.outArrivalSpike[a]] += timing;
    }
  }
  const tmp = new Float64Array(2);
  let stored = fwd.outArrivalTime.length * 3;
  for (let l = last; l >= 0; l--) {
    const rec = fwd.layers[l];
    stored += rec.spikeTime.length * 3 + rec.arrivalTime.length * 3 + rec.events.length * 2;
    const w = params.w[l];
    const gw = grads.w[l];
    const gd = grads.d[l];
    const upstream = l > 0 ? new Float64Array(fwd.layers[l - 1].spikeTime.length) : null;
    const nNeurons = rec.neuronStart.length - 1;
    for (let j = nNeurons - 1; j >= 0; j--) {
      let aV = 0;
      let aI = 0;
      let t = T;
      for (let e = rec.neuronStart[j + 1] - 1; e >= rec.neuronStart[j]; e--) {
        const te = rec.eventTime[e];
        adjointBack(c, aV, aI, t - te, tmp);
        aV = tmp[0];
        aI = tmp[1];
        t = te;
        const ev = rec.events[e];
        if (ev >= 0) {
          const s = rec.arrivalSynapse[ev];
          const timing = w[s] * (aI / ts - aV / tm);
          gw[s] += aI;
          gd[s] += timing;
          if (upstream) upstream[rec.arrivalSpike[ev]] += timing;
        } else {
          // Jump at an own spike: the spike time moves by -dV/V'(t-), which shifts the reset and every arrival.
          const q = -ev - 1;
          const cur = rec.spikeCurrent[q];
          const slopeBefore = (cur - c.threshold) / tm;
          const slopeAfter = cur / tm;
          const dLdt = -aV * slopeAfter + downstream[q];
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
