/**
 * Three-factor online learning of weights and synaptic delays (after Vassallo & Taherinejad 2026; the
 * equations are our derivation, see shared/reference/seed-papers.md section 5).
 *
 * Network (time-stepped, dt): input spikes -> LIF hidden layer with per-synapse delays -> leaky readout.
 * Forward: a spike at t_k on synapse (j, i) arrives at t_k + d_ji; fractional arrival times are split
 * between the two neighbouring steps by linear interpolation, so delays are continuous parameters.
 * Learning (no backward pass in time):
 *   presynaptic trace      s~_ji(t) = sum_k G_sigma(t - t_k - d_ji)           (Gaussian-smoothed spikes)
 *   its delay derivative   ds~/dd   = sum_k (t - t_k - d_ji)/sigma^2 G_sigma(.)
 *   eligibility vectors    eps^w <- a eps^w + (1-a) s~,   eps^d <- a eps^d + (1-a) w ds~/dd
 *   eligibility traces     e = psi_j * eps, with a Gaussian surrogate psi_j of (V_j - threshold)
 *   third factor           L_j(t) = sum_k B_kj (softmax(y(t))_k - target_k), B = readout weights (top-down error)
 *   updates                dw = -eta_w sum_t L_j e^w,  dd = -eta_d sum_t L_j e^d   (applied after every trial)
 * The Gaussian surrogate appears only inside the eligibility computation, never in the forward pass.
 */
import { Rng } from "../../core/rng.ts";
import { AdamGroup } from "../eventprop/optim.ts";
import type { LabelledSpikes } from "../eventprop/network.ts";

/**
 * Gaussian-smoothed spike train of input `channel` read at time t (= now - delay), and its derivative with
 * respect to the delay: out[0] = sum_k G(t - t_k), out[1] = d out[0] / d delay = sum_k (t - t_k)/sigma^2 G(t - t_k).
 */
export function gaussianTrace(
  t: number,
  times: ArrayLike<number>,
  neurons: ArrayLike<number>,
  channel: number,
  sigma: number,
  out: Float64Array,
): void {
  const sig2 = sigma * sigma;
  const norm = 1 / (Math.sqrt(2 * Math.PI) * sigma);
  const reach = 6 * sigma;
  let tr = 0;
  let dtr = 0;
  for (let k = 0; k < times.length; k++) {
    if (neurons[k] !== channel) continue;
    const x = t - times[k];
    if (x > reach || x < -reach) continue;
    const g = norm * Math.exp((-0.5 * x * x) / sig2);
    tr += g;
    dtr += (x / sig2) * g;
  }
  out[0] = tr;
  out[1] = dtr;
}

export interface ThreeFactorConfig {
  nIn: number;
  nHidden: number;
  nOut: number;
  dt: number;
  tauMem: number;
  tauSyn: number;
  /** Readout trace time constant; Infinity makes the readout a running spike count (order-blind). */
  tauOut: number;
  threshold: number;
  trialEnd: number;
  /** The top-down error is applied from this time on. */
  decisionStart: number;
  /** Width of the Gaussian smoothing / surrogate. */
  sigma: number;
  surrogateWidth: number;
  maxDelay: number;
}

export interface ThreeFactorParams {
  w: Float64Array; // nHidden * nIn
  d: Float64Array; // nHidden * nIn
  wOut: Float64Array; // nOut * nHidden
}

export interface ThreeFactorInit {
  weightMean: number;
  weightScale: number;
  delayRange: [number, number];
}

export function initThreeFactor(c: ThreeFactorConfig, seed: number, init: ThreeFactorInit): ThreeFactorParams {
  const rng = new Rng(seed);
  const n = c.nHidden * c.nIn;
  const w = new Float64Array(n);
  const d = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    w[s] = init.weightMean + init.weightScale * rng.normal();
    d[s] = init.delayRange[0] + (init.delayRange[1] - init.delayRange[0]) * rng.uniform();
  }
  const wOut = new Float64Array(c.nOut * c.nHidden);
  for (let s = 0; s < wOut.length; s++) wOut[s] = rng.normal() / Math.sqrt(c.nHidden);
  return { w, d, wOut };
}

export interface TrialResult {
  predicted: number;
  hiddenSpikes: number;
}

/** Buffers reused across trials (no allocation per step). */
export class ThreeFactorLearner {
  readonly gw: Float64Array;
  readonly gd: Float64Array;
  readonly gOut: Float64Array;
  private readonly nSteps: number;
  private readonly arrivals: Float64Array; // (nSteps + 2) * nHidden
  private readonly v: Float64Array;
  private readonly cur: Float64Array;
  private readonly zTrace: Float64Array;
  private readonly y: Float64Array;
  private readonly epsW: Float64Array;
  private readonly epsD: Float64Array;
  private readonly err: Float64Array;
  private readonly trace = new Float64Array(2);

  constructor(readonly c: ThreeFactorConfig, readonly p: ThreeFactorParams) {
    this.nSteps = Math.ceil(c.trialEnd / c.dt);
    const n = c.nHidden * c.nIn;
    this.gw = new Float64Array(n);
    this.gd = new Float64Array(n);
    this.gOut = new Float64Array(c.nOut * c.nHidden);
    this.arrivals = new Float64Array((this.nSteps + 2) * c.nHidden);
    this.v = new Float64Array(c.nHidden);
    this.cur = new Float64Array(c.nHidden);
    this.zTrace = new Float64Array(c.nHidden);
    this.y = new Float64Array(c.nOut);
    this.epsW = new Float64Array(n);
    this.epsD = new Float64Array(n);
    this.err = new Float64Array(c.nOut);
  }

  /** Run one trial; when `learn`, accumulate the three-factor updates into gw/gd/gOut. */
  trial(sample: LabelledSpikes, learn: boolean): TrialResult {
    const c = this.c;
    const { w, d, wOut } = this.p;
    const nIn = c.nIn;
    const nH = c.nHidden;
    const nOut = c.nOut;
    const dt = c.dt;
    const aMem = Math.exp(-dt / c.tauMem);
    const aSyn = Math.exp(-dt / c.tauSyn);
    const aOut = Math.exp(-dt / c.tauOut);
    this.arrivals.fill(0);
    for (let k = 0; k < sample.times.length; k++) {
      const i = sample.neurons[k];
      for (let j = 0; j < nH; j++) {
        const s = j * nIn + i;
        const a = (sample.times[k] + d[s]) / dt;
        const step = Math.floor(a);
        if (step >= this.nSteps) continue;
        const frac = a - step;
        this.arrivals[step * nH + j] += w[s] * (1 - frac);
        this.arrivals[(step + 1) * nH + j] += w[s] * frac;
      }
    }
    this.v.fill(0);
    this.cur.fill(0);
    this.zTrace.fill(0);
    this.y.fill(0);
    this.epsW.fill(0);
    this.epsD.fill(0);
    let spikes = 0;
    for (let step = 0; step < this.nSteps; step++) {
      const t = (step + 1) * dt;
      for (let j = 0; j < nH; j++) {
        this.cur[j] = aSyn * this.cur[j] + this.arrivals[step * nH + j];
        this.v[j] = aMem * this.v[j] + (1 - aMem) * this.cur[j];
      }
      // Eligibility vectors from the Gaussian-smoothed delayed presynaptic trains.
      if (learn) {
        for (let j = 0; j < nH; j++) {
          for (let i = 0; i < nIn; i++) {
            const s = j * nIn + i;
            gaussianTrace(t - d[s], sample.times, sample.neurons, i, c.sigma, this.trace);
            this.epsW[s] = aMem * this.epsW[s] + (1 - aMem) * this.trace[0];
            this.epsD[s] = aMem * this.epsD[s] + (1 - aMem) * w[s] * this.trace[1];
          }
        }
      }
      // Spikes, readout, top-down error.
      for (let j = 0; j < nH; j++) {
        let z = 0;
        if (this.v[j] >= c.threshold) {
          z = 1;
          spikes++;
          this.v[j] = 0;
        }
        this.zTrace[j] = aOut * this.zTrace[j] + z;
      }
      for (let k = 0; k < nOut; k++) {
        let acc = 0;
        for (let j = 0; j < nH; j++) acc += wOut[k * nH + j] * this.zTrace[j];
        this.y[k] = acc;
      }
      if (!learn || t < c.decisionStart) continue;
      let max = -Infinity;
      for (let k = 0; k < nOut; k++) if (this.y[k] > max) max = this.y[k];
      let zSum = 0;
      for (let k = 0; k < nOut; k++) zSum += Math.exp(this.y[k] - max);
      for (let k = 0; k < nOut; k++) this.err[k] = Math.exp(this.y[k] - max) / zSum - (k === sample.label ? 1 : 0);
      for (let j = 0; j < nH; j++) {
        let signal = 0;
        for (let k = 0; k < nOut; k++) {
          signal += wOut[k * nH + j] * this.err[k];
          this.gOut[k * nH + j] += this.err[k] * this.zTrace[j];
        }
        // Pre-reset voltage is not kept; the surrogate uses the post-step voltage (0 right after a spike).
        const u = (this.v[j] - c.threshold) / c.surrogateWidth;
        const psi = Math.exp(-0.5 * u * u);
        const f = signal * psi;
        if (f === 0) continue;
        for (let i = 0; i < nIn; i++) {
          const s = j * nIn + i;
          this.gw[s] += f * this.epsW[s];
          this.gd[s] += f * this.epsD[s];
        }
      }
    }
    // Decision: the readout at the end of the trial.
    let predicted = 0;
    for (let k = 1; k < nOut; k++) if (this.y[k] > this.y[predicted]) predicted = k;
    return { predicted, hiddenSpikes: spikes };
  }

  clearGradients(): void {
    this.gw.fill(0);
    this.gd.fill(0);
    this.gOut.fill(0);
  }
}

export interface ThreeFactorTrainOptions {
  epochs: number;
  lrWeights: number;
  lrDelays: number;
  lrReadout: number;
  learnDelays: boolean;
  seed: number;
  /** "sgd": the plain rule, p -= lr * update; "adam" (default): Adam-scaled updates. */
  optimizer?: "adam" | "sgd";
  log?: (message: string) => void;
}

export function accuracyThreeFactor(learner: ThreeFactorLearner, data: LabelledSpikes[]): number {
  let correct = 0;
  for (const s of data) if (learner.trial(s, false).predicted === s.label) correct++;
  return correct / data.length;
}

/** Plain gradient step with clipping into [lo, hi]; same interface as AdamGroup. */
class SgdGroup {
  constructor(readonly params: Float64Array[], readonly lr: number, private readonly clip: [number, number] = [-Infinity, Infinity]) {}

  step(grads: Float64Array[]): void {
    const [lo, hi] = this.clip;
    for (let g = 0; g < this.params.length; g++) {
      const p = this.params[g];
      for (let i = 0; i < p.length; i++) p[i] = Math.min(hi, Math.max(lo, p[i] - this.lr * grads[g][i]));
    }
  }
}

/** Online training: the accumulated three-factor update is applied after every trial. */
export function trainThreeFactor(learner: ThreeFactorLearner, data: LabelledSpikes[], o: ThreeFactorTrainOptions): number[] {
  const rng = new Rng(o.seed);
  const p = learner.p;
  const Opt = o.optimizer === "sgd" ? SgdGroup : AdamGroup;
  const optW = new Opt([p.w], o.lrWeights);
  const optD = new Opt([p.d], o.lrDelays, [0, learner.c.maxDelay]);
  const optOut = new Opt([p.wOut], o.lrReadout);
  const order = Array.from(data.keys());
  const trainAcc: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    let correct = 0;
    for (const idx of order) {
      learner.clearGradients();
      const r = learner.trial(data[idx], true);
      if (r.predicted === data[idx].label) correct++;
      optW.step([learner.gw]);
      if (o.learnDelays) optD.step([learner.gd]);
      optOut.step([learner.gOut]);
    }
    trainAcc.push(correct / data.length);
    o.log?.(`epoch ${epoch}: train acc ${(correct / data.length).toFixed(3)}`);
  }
  return trainAcc;
}
