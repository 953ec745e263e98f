/**
 * Three-factor online learning of weights and synaptic delays (after Vassallo & Taherinejad 2026; the
 * equations are our derivation, see shared/reference/seed-papers.md section 5).
 *
 * Network (time-stepped, dt): input spikes -> LIF hidden layer with per-synapse delays -> readout.
 * Forward: a spike at t_k on synapse (j, i) arrives at t_k + d_ji; fractional arrival times are split
 * between the two neighbouring steps by linear interpolation, so delays are continuous parameters.
 * Learning (no backward pass in time):
 *   presynaptic trace      s~_ji(t) = sum_k G_sigma(t - t_k - d_ji)           (Gaussian-smoothed spikes)
 *   its delay derivative   ds~/dd   = sum_k (t - t_k - d_ji)/sigma^2 G_sigma(.)
 *   eligibility vectors    eps^w <- a eps^w + (1-a) s~,   eps^d <- a eps^d + (1-a) w ds~/dd
 *   eligibility traces     e = psi_j * eps, with a Gaussian surrogate psi_j of (V_j - threshold), V_j before reset
 *   third factor           a top-down error through the readout weights B = wOut
 * The Gaussian surrogate appears only inside the eligibility computation, never in the forward pass.
 *
 * Two readouts (config.readout):
 *  - "trace" (default): y_k(t) = sum_j wOut_kj zbar_j(t), zbar a spike trace with time constant tauOut
 *    (Infinity: a running spike count); the decision is y(T). The error L_j(t) = sum_k B_kj (softmax(y(t)) -
 *    target)_k is applied at every step t >= decisionStart: dw = -eta_w sum_t L_j e^w (same for d).
 *  - "max": the decision rule of the EventProp network (network.ts, readout "max"): each output is a leaky
 *    integrator with the hidden layer's tau_m, tau_s (tau_s I' = -I + sum_j wOut_kj z_j, tau_m V' = -V + I),
 *    its value m_k = max_t V_k(t), the decision argmax_k m_k, the loss softmax cross-entropy on m. The error
 *    err_k = softmax(m)_k - target_k is known once the trial is decided, and it is delivered to the value of
 *    each output at its peak t*_k: for the hidden weights
 *        dw_ji = -eta_w sum_k err_k B_kj ebar^w_ji(t*_k),
 *    where ebar is the eligibility trace e filtered by the readout's own kernel (the same two-exponential
 *    filter V_k applies to z_j), so ebar(t*_k) estimates dV_k(t*_k)/dw / B_kj. The learner keeps ebar forward
 *    in time and latches a copy for output k whenever V_k reaches a new running maximum: memory is
 *    O(outputs x synapses), independent of the trial length, and nothing runs backwards in time.
 *    Readout weights get the exact dm_k/dwOut_kj = zbar_j(t*_k) (zbar: z_j through the readout filter).
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
    const x = t - times[k]!;
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
  /** "trace" readout: spike-trace time constant; Infinity makes the readout a running spike count (order-blind). */
  tauOut: number;
  /** Readout and decision rule (default "trace"); "max" is the EventProp network's max-over-time LI readout. */
  readout?: "trace" | "max";
  threshold: number;
  trialEnd: number;
  /** "trace" readout: the top-down error is applied from this time on (unused by "max"). */
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
  /** Readout weights ~ N(0, readoutScale^2); default 1/sqrt(nHidden). */
  readoutScale?: number;
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
  const readoutScale = init.readoutScale ?? 1 / Math.sqrt(c.nHidden);
  for (let s = 0; s < wOut.length; s++) wOut[s] = readoutScale * rng.normal();
  return { w, d, wOut };
}

export interface TrialResult {
  predicted: number;
  hiddenSpikes: number;
  /** The readout values the decision was taken on: y(T) ("trace") or m = max_t V ("max"). */
  readout: Float64Array;
  /** "max" readout: softmax cross-entropy on m (NaN for "trace"). */
  loss: number;
}

/** Buffers reused across trials (no allocation per step). */
export class ThreeFactorLearner {
  readonly gw: Float64Array;
  readonly gd: Float64Array;
  readonly gOut: Float64Array;
  private readonly nSteps: number;
  private readonly arrivals: Float64Array; // (nSteps + 2) * nHidden
  private readonly v: Float64Array;
  private readonly vPre: Float64Array;
  private readonly cur: Float64Array;
  private readonly zTrace: Float64Array;
  private readonly y: Float64Array;
  private readonly epsW: Float64Array;
  private readonly epsD: Float64Array;
  private readonly err: Float64Array;
  private readonly trace = new Float64Array(2);
  // "max" readout: LI state, readout-filtered spike traces and eligibilities, running maxima and latches.
  private readonly outI: Float64Array;
  private readonly outV: Float64Array;
  private readonly zI: Float64Array;
  private readonly zV: Float64Array;
  private readonly eIw: Float64Array;
  private readonly eVw: Float64Array;
  private readonly eId: Float64Array;
  private readonly eVd: Float64Array;
  private readonly peak: Float64Array;
  private readonly latchZ: Float64Array; // nOut * nHidden
  private readonly latchW: Float64Array; // nOut * nHidden * nIn
  private readonly latchD: Float64Array;

  constructor(readonly c: ThreeFactorConfig, readonly p: ThreeFactorParams) {
    this.nSteps = Math.ceil(c.trialEnd / c.dt);
    const n = c.nHidden * c.nIn;
    this.gw = new Float64Array(n);
    this.gd = new Float64Array(n);
    this.gOut = new Float64Array(c.nOut * c.nHidden);
    this.arrivals = new Float64Array((this.nSteps + 2) * c.nHidden);
    this.v = new Float64Array(c.nHidden);
    this.vPre = new Float64Array(c.nHidden);
    this.cur = new Float64Array(c.nHidden);
    this.zTrace = new Float64Array(c.nHidden);
    this.y = new Float64Array(c.nOut);
    this.epsW = new Float64Array(n);
    this.epsD = new Float64Array(n);
    this.err = new Float64Array(c.nOut);
    const isMax = c.readout === "max";
    const nMax = isMax ? n : 0;
    this.outI = new Float64Array(c.nOut);
    this.outV = new Float64Array(c.nOut);
    this.zI = new Float64Array(c.nHidden);
    this.zV = new Float64Array(c.nHidden);
    this.eIw = new Float64Array(nMax);
    this.eVw = new Float64Array(nMax);
    this.eId = new Float64Array(nMax);
    this.eVd = new Float64Array(nMax);
    this.peak = new Float64Array(c.nOut);
    this.latchZ = new Float64Array(isMax ? c.nOut * c.nHidden : 0);
    this.latchW = new Float64Array(c.nOut * nMax);
    this.latchD = new Float64Array(c.nOut * nMax);
  }

  /** Run one trial; when `learn`, accumulate the three-factor updates into gw/gd/gOut. */
  trial(sample: LabelledSpikes, learn: boolean): TrialResult {
    const c = this.c;
    const { w, d, wOut } = this.p;
    const nIn = c.nIn;
    const nH = c.nHidden;
    const nOut = c.nOut;
    const dt = c.dt;
    const isMax = c.readout === "max";
    const aMem = Math.exp(-dt / c.tauMem);
    const aSyn = Math.exp(-dt / c.tauSyn);
    const aOut = Math.exp(-dt / c.tauOut);
    this.arrivals.fill(0);
    for (let k = 0; k < sample.times.length; k++) {
      const i = sample.neurons[k]!;
      for (let j = 0; j < nH; j++) {
        const s = j * nIn + i;
        const a = (sample.times[k]! + d[s]!) / dt;
        const step = Math.floor(a);
        if (step >= this.nSteps) continue;
        const frac = a - step;
        this.arrivals[step * nH + j]! += w[s]! * (1 - frac);
        this.arrivals[(step + 1) * nH + j]! += w[s]! * frac;
      }
    }
    this.v.fill(0);
    this.cur.fill(0);
    this.zTrace.fill(0);
    this.y.fill(0);
    this.epsW.fill(0);
    this.epsD.fill(0);
    if (isMax) {
      this.outI.fill(0);
      this.outV.fill(0);
      this.zI.fill(0);
      this.zV.fill(0);
      this.eIw.fill(0);
      this.eVw.fill(0);
      this.eId.fill(0);
      this.eVd.fill(0);
      this.peak.fill(0); // V_k(0) = 0: the maximum is at least 0 (latches hold zeros until V_k first exceeds 0)
      this.latchZ.fill(0);
      this.latchW.fill(0);
      this.latchD.fill(0);
    }
    let spikes = 0;
    for (let step = 0; step < this.nSteps; step++) {
      const t = (step + 1) * dt;
      for (let j = 0; j < nH; j++) {
        this.cur[j] = aSyn * this.cur[j]! + this.arrivals[step * nH + j]!;
        this.v[j] = aMem * this.v[j]! + (1 - aMem) * this.cur[j]!;
      }
      // Eligibility vectors from the Gaussian-smoothed delayed presynaptic trains.
      if (learn) {
        for (let j = 0; j < nH; j++) {
          for (let i = 0; i < nIn; i++) {
            const s = j * nIn + i;
            gaussianTrace(t - d[s]!, sample.times, sample.neurons, i, c.sigma, this.trace);
            this.epsW[s] = aMem * this.epsW[s]! + (1 - aMem) * this.trace[0]!;
            this.epsD[s] = aMem * this.epsD[s]! + (1 - aMem) * w[s]! * this.trace[1]!;
          }
        }
      }
      // Spikes (the surrogate reads the voltage before the reset).
      for (let j = 0; j < nH; j++) {
        let z = 0;
        const vPre = this.v[j]!;
        this.vPre[j] = vPre;
        if (vPre >= c.threshold) {
          z = 1;
          spikes++;
          this.v[j] = 0;
        }
        if (!isMax) {
          this.zTrace[j] = aOut * this.zTrace[j]! + z;
          continue;
        }
        this.zI[j] = aSyn * this.zI[j]! + z;
        this.zV[j] = aMem * this.zV[j]! + (1 - aMem) * this.zI[j]!;
        if (learn) {
          const u = (vPre - c.threshold) / c.surrogateWidth;
          const psi = Math.exp(-0.5 * u * u);
          for (let i = 0; i < nIn; i++) {
            const s = j * nIn + i;
            this.eIw[s] = aSyn * this.eIw[s]! + psi * this.epsW[s]!;
            this.eVw[s] = aMem * this.eVw[s]! + (1 - aMem) * this.eIw[s];
            this.eId[s] = aSyn * this.eId[s]! + psi * this.epsD[s]!;
            this.eVd[s] = aMem * this.eVd[s]! + (1 - aMem) * this.eId[s];
          }
        }
      }
      if (isMax) {
        const n = nH * nIn;
        for (let k = 0; k < nOut; k++) {
          let acc = 0;
          for (let j = 0; j < nH; j++) acc += wOut[k * nH + j]! * this.zI[j]!;
          // zI already includes this step's spikes: outI = sum_j wOut_kj zI_j is the LI readout's current.
          this.outI[k] = acc;
          this.outV[k] = aMem * this.outV[k]! + (1 - aMem) * this.outI[k]!;
          if (this.outV[k]! > this.peak[k]!) {
            this.peak[k] = this.outV[k]!;
            if (learn) {
              this.latchZ.set(this.zV, k * nH);
              this.latchW.set(this.eVw, k * n);
              this.latchD.set(this.eVd, k * n);
            }
          }
        }
        continue;
      }
      // "trace" readout and its per-step top-down error.
      for (let k = 0; k < nOut; k++) {
        let acc = 0;
        for (let j = 0; j < nH; j++) acc += wOut[k * nH + j]! * this.zTrace[j]!;
        this.y[k] = acc;
      }
      if (!learn || t < c.decisionStart) continue;
      softmaxError(this.y, sample.label, this.err);
      for (let j = 0; j < nH; j++) {
        let signal = 0;
        for (let k = 0; k < nOut; k++) {
          signal += wOut[k * nH + j]! * this.err[k]!;
          this.gOut[k * nH + j]! += this.err[k]! * this.zTrace[j]!;
        }
        const u = (this.vPre[j]! - c.threshold) / c.surrogateWidth;
        const psi = Math.exp(-0.5 * u * u);
        const f = signal * psi;
        if (f === 0) continue;
        for (let i = 0; i < nIn; i++) {
          const s = j * nIn + i;
          this.gw[s]! += f * this.epsW[s]!;
          this.gd[s]! += f * this.epsD[s]!;
        }
      }
    }
    const value = isMax ? this.peak : this.y;
    let predicted = 0;
    for (let k = 1; k < nOut; k++) if (value[k]! > value[predicted]!) predicted = k;
    let loss = NaN;
    if (isMax) {
      loss = softmaxError(this.peak, sample.label, this.err);
      if (learn) {
        const n = nH * nIn;
        for (let k = 0; k < nOut; k++) {
          const e = this.err[k]!;
          if (e === 0) continue;
          for (let j = 0; j < nH; j++) {
            this.gOut[k * nH + j]! += e * this.latchZ[k * nH + j]!;
            const b = e * wOut[k * nH + j]!;
            if (b === 0) continue;
            for (let i = 0; i < nIn; i++) {
              const s = j * nIn + i;
              this.gw[s]! += b * this.latchW[k * n + s]!;
              this.gd[s]! += b * this.latchD[k * n + s]!;
            }
          }
        }
      }
    }
    return { predicted, hiddenSpikes: spikes, readout: Float64Array.from(value), loss };
  }

  clearGradients(): void {
    this.gw.fill(0);
    this.gd.fill(0);
    this.gOut.fill(0);
  }
}

/** err = softmax(y) - onehot(label) written into err; returns the cross-entropy. */
function softmaxError(y: Float64Array, label: number, err: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < y.length; k++) if (y[k]! > max) max = y[k]!;
  let z = 0;
  for (let k = 0; k < y.length; k++) z += Math.exp(y[k]! - max);
  for (let k = 0; k < y.length; k++) err[k] = Math.exp(y[k]! - max) / z - (k === label ? 1 : 0);
  return -(y[label]! - max - Math.log(z));
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
      const p = this.params[g]!;
      for (let i = 0; i < p.length; i++) p[i] = Math.min(hi, Math.max(lo, p[i]! - this.lr * grads[g]![i]!));
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
      const r = learner.trial(data[idx]!, true);
      if (r.predicted === data[idx]!.label) correct++;
      optW.step([learner.gw]);
      if (o.learnDelays) optD.step([learner.gd]);
      optOut.step([learner.gOut]);
    }
    trainAcc.push(correct / data.length);
    o.log?.(`epoch ${epoch}: train acc ${(correct / data.length).toFixed(3)}`);
  }
  return trainAcc;
}
