/**
 * e-prop kernel: a recurrent spiking layer (LIF, ALIF, STDP-LIF or Izhikevich) with a leaky readout,
 * forward-mode eligibility vectors and traces, and online gradient accumulation.
 * Plain loops over preallocated Float32Arrays; `step`, `supervise` and `accumulate` allocate nothing.
 *
 * Per synapse j<-i (two eligibility-vector components, see neurons.ts):
 *   epsV <- Jvv_j epsV + Jvu_j epsU + g * pre_i        (pre = x_i^t for inputs, z_i^{t-1} for recurrent)
 *   epsU <- Juv_j epsV + Juu_j epsU
 *   e^t   = psi_j^t (epsV - betaE epsU)                 (eligibility trace)
 *   ebar  = kappa ebar + e                              (filtered by the readout's leak)
 *   dE/dW_ji ~= sum_t L_j^t ebar_ji^t,  L_j^t = sum_k B_jk (y_k^t - y*_k^t)
 */
import { SpikelocoError } from "../../core/errors.ts";
import { Rng } from "../../core/rng.ts";
import { type SurrogateSpec, surrogateGrad } from "../../snn/surrogate.ts";
import { type NeuronParams, inputGain, izhikevichPsi, restingPotential } from "./neurons.ts";

export type FeedbackMode = "symmetric" | "random";

export interface EpropNetConfig {
  neuron: NeuronParams;
  nIn: number;
  nRec: number;
  nOut: number;
  /** Readout leak time constant (ms): kappa = exp(-dt / tauOut). */
  tauOut: number;
  /** Learning-signal feedback: W_out^T (symmetric) or a fixed random matrix. */
  feedback: FeedbackMode;
  /** When false, W_rec stays zero and is not learned (a feed-forward layer). */
  recurrent: boolean;
}

/** Parameters, row-major with the postsynaptic neuron first: wIn[j*nIn+i], wRec[j*nRec+i], wOut[k*nRec+j]. */
export interface EpropParams {
  wIn: Float32Array;
  wRec: Float32Array;
  wOut: Float32Array;
  bOut: Float32Array;
}

export interface EpropGrads {
  wIn: Float32Array;
  wRec: Float32Array;
  wOut: Float32Array;
  bOut: Float32Array;
}

export function zeroParams(c: Pick<EpropNetConfig, "nIn" | "nRec" | "nOut">): EpropParams {
  return {
    wIn: new Float32Array(c.nRec * c.nIn),
    wRec: new Float32Array(c.nRec * c.nRec),
    wOut: new Float32Array(c.nOut * c.nRec),
    bOut: new Float32Array(c.nOut),
  };
}

/** Gaussian init scaled by fan-in; recurrent weights zero when the layer is feed-forward. */
export function initEpropParams(
  c: EpropNetConfig,
  seed: number,
  scale: { in?: number; rec?: number; out?: number } = {},
): EpropParams {
  const p = zeroParams(c);
  const rng = new Rng(seed);
  rng.fork("wIn").fillNormal(p.wIn, (scale.in ?? 1) / Math.sqrt(c.nIn));
  if (c.recurrent) {
    rng.fork("wRec").fillNormal(p.wRec, (scale.rec ?? 1) / Math.sqrt(c.nRec));
    for (let j = 0; j < c.nRec; j++) p.wRec[j * c.nRec + j] = 0;
  }
  rng.fork("wOut").fillNormal(p.wOut, (scale.out ?? 1) / Math.sqrt(c.nRec));
  return p;
}

function validate(c: EpropNetConfig, p: EpropParams): void {
  for (const key of ["nIn", "nRec", "nOut"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new SpikelocoError(`must be a positive integer, got ${c[key]}`, key);
  }
  if (!(c.tauOut > 0)) throw new SpikelocoError(`must be positive, got ${c.tauOut}`, "tauOut");
  const want = { wIn: c.nRec * c.nIn, wRec: c.nRec * c.nRec, wOut: c.nOut * c.nRec, bOut: c.nOut };
  for (const key of Object.keys(want) as Array<keyof typeof want>) {
    if (p[key].length !== want[key]) {
      throw new SpikelocoError(`expected ${want[key]} values, got ${p[key].length}`, `params.${key}`);
    }
  }
}

export class EpropNetwork {
  readonly config: EpropNetConfig;
  readonly params: EpropParams;
  readonly grads: EpropGrads;
  /** Feedback matrix B (nRec x nOut, row j = neuron); used when feedback is "random". */
  readonly feedbackMatrix: Float32Array;
  /** Mask of learnable recurrent synapses (1 = learn); self-connections off by default. */
  readonly recMask: Uint8Array;
  readonly alpha: number;
  readonly rho: number;
  readonly kappa: number;

  // Neuron state at the current step t.
  readonly v: Float32Array;
  readonly u: Float32Array;
  readonly z: Float32Array;
  readonly psi: Float32Array;
  readonly refractory: Int32Array;
  readonly zbar: Float32Array;
  readonly y: Float32Array;
  readonly err: Float32Array;
  readonly learningSignal: Float32Array;

  // Eligibility vectors (two components), traces e^t, and kappa-filtered traces.
  readonly epsVIn: Float32Array;
  readonly epsUIn: Float32Array;
  readonly eIn: Float32Array;
  readonly ebarIn: Float32Array;
  readonly epsVRec: Float32Array;
  readonly epsURec: Float32Array;
  readonly eRec: Float32Array;
  readonly ebarRec: Float32Array;

  /** Sum over steps of 0.5 * |y - y*|^2 since the last reset. */
  loss = 0;
  steps = 0;

  private readonly zPrev: Float32Array;
  private readonly jvv: Float32Array;
  private readonly jvu: Float32Array;
  private readonly juv: Float32Array;
  private readonly juu: Float32Array;
  private readonly current: Float32Array;
  private biasTrace = 0;
  private readonly gain: number;
  private readonly betaE: number;
  /** LIF-type pseudo-derivative from the SNN surrogate library: gamma/thr * max(0, 1 - |v - A| / thr). */
  private readonly surrogate: SurrogateSpec;

  constructor(config: EpropNetConfig, params: EpropParams, feedbackSeed = 0) {
    validate(config, params);
    this.config = config;
    this.params = params;
    const { nIn, nRec, nOut, neuron } = config;
    this.grads = zeroParams(config);
    this.alpha = Math.exp(-neuron.dt / neuron.tauMem);
    this.rho = Math.exp(-neuron.dt / neuron.tauAdapt);
    this.kappa = Math.exp(-neuron.dt / config.tauOut);
    this.gain = inputGain(neuron);
    this.betaE = neuron.model === "alif" ? neuron.beta : 0;
    this.surrogate = {
      kind: neuron.model === "stdpLif" ? "refractoryNegative" : "triangular",
      scale: 1 / neuron.threshold,
      gamma: neuron.gamma / neuron.threshold,
    };
    this.feedbackMatrix = new Float32Array(nRec * nOut);
    new Rng(feedbackSeed).fork("feedback").fillNormal(this.feedbackMatrix, 1 / Math.sqrt(nOut));
    this.recMask = new Uint8Array(nRec * nRec).fill(config.recurrent ? 1 : 0);
    for (let j = 0; j < nRec; j++) this.recMask[j * nRec + j] = 0;
    const f = (n: number) => new Float32Array(n);
    this.v = f(nRec); this.u = f(nRec); this.z = f(nRec); this.zPrev = f(nRec); this.psi = f(nRec);
    this.refractory = new Int32Array(nRec);
    this.zbar = f(nRec); this.y = f(nOut); this.err = f(nOut); this.learningSignal = f(nRec);
    this.jvv = f(nRec); this.jvu = f(nRec); this.juv = f(nRec); this.juu = f(nRec); this.current = f(nRec);
    this.epsVIn = f(nRec * nIn); this.epsUIn = f(nRec * nIn); this.eIn = f(nRec * nIn); this.ebarIn = f(nRec * nIn);
    this.epsVRec = f(nRec * nRec); this.epsURec = f(nRec * nRec); this.eRec = f(nRec * nRec); this.ebarRec = f(nRec * nRec);
    this.reset();
  }

  /** Back to rest; clears eligibilities and the readout but not the accumulated gradients. */
  reset(): void {
    const rest = restingPotential(this.config.neuron);
    this.v.fill(rest.v); this.u.fill(rest.u);
    this.z.fill(0); this.zPrev.fill(0); this.psi.fill(0); this.refractory.fill(0);
    this.zbar.fill(0); this.y.fill(0); this.err.fill(0); this.learningSignal.fill(0);
    for (const a of [this.epsVIn, this.epsUIn, this.eIn, this.ebarIn, this.epsVRec, this.epsURec, this.eRec, this.ebarRec]) a.fill(0);
    this.biasTrace = 0;
    this.loss = 0;
    this.steps = 0;
    // psi^0 at rest, so the first Jacobian (ALIF) is consistent.
    this.computeSpikesAndPsi(false);
  }

  zeroGrad(): void {
    this.grads.wIn.fill(0); this.grads.wRec.fill(0); this.grads.wOut.fill(0); this.grads.bOut.fill(0);
  }

  /** Advance one step with input x^t (length nIn): state, spikes, eligibilities, readout y^t. */
  step(x: ArrayLike<number>): void {
    const { nIn, nRec, nOut, neuron } = this.config;
    const { v, u, z, zPrev, psi, refractory, jvv, jvu, juv, juu, current } = this;
    const { wIn, wRec, wOut, bOut } = this.params;
    zPrev.set(z);
    const alpha = this.alpha, rho = this.rho, beta = neuron.beta, dt = neuron.dt;
    const model = neuron.model;

    for (let j = 0; j < nRec; j++) {
      let input = 0;
      const rowIn = j * nIn;
      for (let i = 0; i < nIn; i++) input += wIn[rowIn + i]! * x[i]!;
      const rowRec = j * nRec;
      for (let i = 0; i < nRec; i++) input += wRec[rowRec + i]! * zPrev[i]!;
      current[j] = input;
      const zj = zPrev[j]!;
      switch (model) {
        case "lif":
        case "alif": {
          // Reset by subtraction; e-prop drops its dependence on the state.
          jvv[j] = alpha; jvu[j] = 0;
          juv[j] = model === "alif" ? psi[j]! : 0;
          juu[j] = model === "alif" ? rho - psi[j]! * beta : 0;
          v[j] = alpha * v[j]! + input - neuron.threshold * zj;
          u[j] = model === "alif" ? rho * u[j]! + zj : 0;
          break;
        }
        case "stdpLif": {
          // Membrane cleared at the spike and again when refractoriness ends.
          const refractoryEnd = refractory[j] === 1 ? 1 : 0;
          const keep = 1 - zj - refractoryEnd;
          jvv[j] = alpha * keep; jvu[j] = 0; juv[j] = 0; juu[j] = 0;
          v[j] = alpha * keep * v[j]! + input;
          break;
        }
        case "izhikevich": {
          const vt = zj ? neuron.izhC : v[j]!;
          const ut = u[j]! + neuron.izhD * zj;
          jvv[j] = (1 - zj) * (1 + dt * (0.08 * vt + 5));
          jvu[j] = -dt;
          juv[j] = dt * neuron.izhA * neuron.izhB * (1 - zj);
          juu[j] = 1 - dt * neuron.izhA;
          v[j] = vt + dt * (0.04 * vt * vt + 5 * vt + 140 - ut + input);
          u[j] = ut + dt * neuron.izhA * (neuron.izhB * vt - ut);
          break;
        }
      }
      // Refractory counter: set by a spike, counts down otherwise.
      refractory[j] = zj ? neuron.refractorySteps : refractory[j]! > 0 ? refractory[j]! - 1 : 0;
    }

    this.computeSpikesAndPsi(true);

    const kappa = this.kappa, g = this.gain, betaE = this.betaE;
    const { epsVIn, epsUIn, eIn, ebarIn, epsVRec, epsURec, eRec, ebarRec, recMask } = this;
    for (let j = 0; j < nRec; j++) {
      const a = jvv[j]!, b = jvu[j]!, c = juv[j]!, d = juu[j]!, p = psi[j]!;
      const rowIn = j * nIn;
      for (let i = 0; i < nIn; i++) {
        const k = rowIn + i;
        const ev = epsVIn[k]!, eu = epsUIn[k]!;
        const nv = a * ev + b * eu + g * x[i]!;
        const nu = c * ev + d * eu;
        epsVIn[k] = nv; epsUIn[k] = nu;
        const e = p * (nv - betaE * nu);
        eIn[k] = e;
        ebarIn[k] = kappa * ebarIn[k]! + e;
      }
      const rowRec = j * nRec;
      for (let i = 0; i < nRec; i++) {
        const k = rowRec + i;
        if (!recMask[k]) continue;
        const ev = epsVRec[k]!, eu = epsURec[k]!;
        const nv = a * ev + b * eu + g * zPrev[i]!;
        const nu = c * ev + d * eu;
        epsVRec[k] = nv; epsURec[k] = nu;
        const e = p * (nv - betaE * nu);
        eRec[k] = e;
        ebarRec[k] = kappa * ebarRec[k]! + e;
      }
    }

    const { zbar, y } = this;
    for (let j = 0; j < nRec; j++) zbar[j] = kappa * zbar[j]! + z[j]!;
    this.biasTrace = kappa * this.biasTrace + 1;
    for (let k = 0; k < nOut; k++) {
      let s = bOut[k]!;
      const row = k * nRec;
      for (let j = 0; j < nRec; j++) s += wOut[row + j]! * z[j]!;
      y[k] = kappa * y[k]! + s;
    }
    this.steps++;
  }

  private computeSpikesAndPsi(allowSpikes: boolean): void {
    const { nRec, neuron } = this.config;
    const { v, u, z, psi, refractory } = this;
    for (let j = 0; j < nRec; j++) {
      const refr = refractory[j]! > 0;
      switch (neuron.model) {
        case "lif":
        case "alif": {
          const thrNow = neuron.threshold + (neuron.model === "alif" ? neuron.beta * u[j]! : 0);
          z[j] = allowSpikes && !refr && v[j]! >= thrNow ? 1 : 0;
          psi[j] = surrogateGrad(this.surrogate, v[j]! - thrNow, refr);
          break;
        }
        case "stdpLif": {
          z[j] = allowSpikes && !refr && v[j]! >= neuron.threshold ? 1 : 0;
          psi[j] = surrogateGrad(this.surrogate, v[j]! - neuron.threshold, refr);
          break;
        }
        case "izhikevich": {
          z[j] = allowSpikes && v[j]! >= neuron.izhPeak ? 1 : 0;
          psi[j] = izhikevichPsi(v[j]!, neuron.izhPeak, neuron.gamma);
          break;
        }
      }
    }
  }

  /**
   * Supervised e-prop after `step`: error of the readout against `target`, learning signals through
   * the feedback matrix, and gradient accumulation. Returns this step's loss.
   */
  supervise(target: ArrayLike<number>, lossScale = 1): number {
    const { nRec, nOut } = this.config;
    const { y, err, zbar, learningSignal } = this;
    const { wOut } = this.params;
    const g = this.grads;
    let loss = 0;
    for (let k = 0; k < nOut; k++) {
      const e = (y[k]! - target[k]!) * lossScale;
      err[k] = e;
      loss += 0.5 * (y[k]! - target[k]!) * (y[k]! - target[k]!) * lossScale;
      const row = k * nRec;
      for (let j = 0; j < nRec; j++) g.wOut[row + j]! += e * zbar[j]!;
      g.bOut[k]! += e * this.biasTrace;
    }
    const symmetric = this.config.feedback === "symmetric";
    const B = this.feedbackMatrix;
    for (let j = 0; j < nRec; j++) {
      let s = 0;
      for (let k = 0; k < nOut; k++) s += (symmetric ? wOut[k * nRec + j]! : B[j * nOut + k]!) * err[k]!;
      learningSignal[j] = s;
    }
    this.accumulate(learningSignal, 1);
    this.loss += loss;
    return loss;
  }

  /** g_ji += scale * L_j * ebar_ji for input and (learnable) recurrent synapses. */
  accumulate(learningSignal: ArrayLike<number>, scale: number): void {
    const { nIn, nRec } = this.config;
    const { ebarIn, ebarRec, recMask } = this;
    const gIn = this.grads.wIn, gRec = this.grads.wRec;
    for (let j = 0; j < nRec; j++) {
      const l = learningSignal[j]! * scale;
      if (l === 0) continue;
      const rowIn = j * nIn;
      for (let i = 0; i < nIn; i++) gIn[rowIn + i]! += l * ebarIn[rowIn + i]!;
      const rowRec = j * nRec;
      for (let i = 0; i < nRec; i++) if (recMask[rowRec + i]) gRec[rowRec + i]! += l * ebarRec[rowRec + i]!;
    }
  }

  /** d y_k / d b_k: the kappa-filtered constant 1 (for readout-bias eligibility). */
  get readoutBiasTrace(): number {
    return this.biasTrace;
  }
}
