/**
 * Reward-based e-prop (Bellec et al. 2020, actor-critic form) for continuous actions.
 * A spiking layer with leaky readouts gives the action mean mu (nAct readouts) and the value V (one
 * readout). Each control step runs `substeps` SNN steps on the encoded observation, samples
 * a = mu + sigma * noise, and forms the e-prop estimate of
 *   grad log pi(a) + cV * grad V   per synapse:  (sum_k B_jk (a_k - mu_k) / sigma^2 + cV * B_Vj) * ebar_ji
 * (readouts: the same with zbar_j). A trace with decay gamma * lambda collects it, and the TD error
 * delta_t = r_t + gamma V_{t+1} - V_t multiplies the trace into the update (accumulated over an episode,
 * applied with Adam after every `episodesPerUpdate` episodes). B is W_out^T (symmetric) or fixed random.
 */
import { Rng } from "../../core/rng.ts";
import { Adam } from "../../train/optim/adam.ts";
import { EpropNetwork, type EpropNetConfig, type FeedbackMode, initEpropParams } from "./network.ts";
import { type NeuronModel, defaultNeuronParams } from "./neurons.ts";

/** A minimal episodic task: observations in, actions in [-1, 1], scalar reward out. */
export interface EpisodicTask {
  readonly obsDim: number;
  readonly actDim: number;
  reset(seed: number): Float32Array;
  step(action: Float32Array): { obs: Float32Array; reward: number; done: boolean };
}

export interface ActorCriticOptions {
  model?: NeuronModel;
  nRec?: number;
  substeps?: number;
  /** SNN step (ms). */
  dt?: number;
  sigma?: number;
  gamma?: number;
  lambda?: number;
  valueWeight?: number;
  lr?: number;
  /** Learning episodes whose updates are summed before one Adam step (variance reduction). */
  episodesPerUpdate?: number;
  feedback?: FeedbackMode;
  /** Observation scale before tanh encoding (one per channel or one for all). */
  obsScale?: Float32Array | number;
  /** Extra clock inputs sin/cos of 2 pi t / period, for rhythmic outputs (0 = none). */
  clockPeriods?: number[];
  seed: number;
}

export class RewardEprop {
  readonly net: EpropNetwork;
  readonly task: EpisodicTask;
  readonly nAct: number;
  private readonly opts: Required<Omit<ActorCriticOptions, "obsScale" | "clockPeriods" | "model" | "feedback" | "nRec" | "seed">>;
  private readonly obsScale: Float32Array;
  private readonly clockPeriods: number[];
  private readonly input: Float32Array;
  private readonly mu: Float32Array;
  private readonly action: Float32Array;
  /** Unclipped Gaussian sample (the score uses it; the env gets the clipped action). */
  private readonly sample: Float32Array;
  private readonly coeff: Float32Array;
  private readonly outCoeff: Float32Array;
  private readonly traceIn: Float32Array;
  private readonly traceRec: Float32Array;
  private readonly traceOut: Float32Array;
  private readonly traceBias: Float32Array;
  private readonly update: { wIn: Float32Array; wRec: Float32Array; wOut: Float32Array; bOut: Float32Array };
  private readonly adam: { wIn: Adam; wRec: Adam; wOut: Adam; bOut: Adam };
  private readonly rng: Rng;
  private pendingEpisodes = 0;

  constructor(task: EpisodicTask, options: ActorCriticOptions) {
    this.task = task;
    this.nAct = task.actDim;
    const model = options.model ?? "lif";
    const dt = options.dt ?? 10;
    this.opts = {
      substeps: options.substeps ?? 5,
      dt,
      sigma: options.sigma ?? 0.3,
      gamma: options.gamma ?? 0.95,
      lambda: options.lambda ?? 0.9,
      valueWeight: options.valueWeight ?? 1,
      lr: options.lr ?? 0.003,
      episodesPerUpdate: options.episodesPerUpdate ?? 1,
    };
    this.clockPeriods = options.clockPeriods ?? [];
    const nIn = task.obsDim + 2 * this.clockPeriods.length;
    const config: EpropNetConfig = {
      neuron: defaultNeuronParams(model, { dt, tauMem: 20, tauAdapt: 500 }),
      nIn,
      nRec: options.nRec ?? 64,
      nOut: task.actDim + 1,
      tauOut: 20,
      feedback: options.feedback ?? "symmetric",
      recurrent: true,
    };
    const params = initEpropParams(config, options.seed, { in: 3, rec: 1, out: 0.5 });
    this.net = new EpropNetwork(config, params, options.seed);
    this.obsScale = new Float32Array(task.obsDim).fill(1);
    if (typeof options.obsScale === "number") this.obsScale.fill(options.obsScale);
    else if (options.obsScale) this.obsScale.set(options.obsScale);
    this.input = new Float32Array(nIn);
    this.mu = new Float32Array(task.actDim);
    this.action = new Float32Array(task.actDim);
    this.sample = new Float32Array(task.actDim);
    this.coeff = new Float32Array(config.nRec);
    this.outCoeff = new Float32Array(config.nOut);
    this.traceIn = new Float32Array(params.wIn.length);
    this.traceRec = new Float32Array(params.wRec.length);
    this.traceOut = new Float32Array(params.wOut.length);
    this.traceBias = new Float32Array(params.bOut.length);
    this.update = {
      wIn: new Float32Array(params.wIn.length),
      wRec: new Float32Array(params.wRec.length),
      wOut: new Float32Array(params.wOut.length),
      bOut: new Float32Array(params.bOut.length),
    };
    const lr = this.opts.lr;
    this.adam = {
      wIn: new Adam(params.wIn.length, { lr }),
      wRec: new Adam(params.wRec.length, { lr }),
      wOut: new Adam(params.wOut.length, { lr }),
      bOut: new Adam(params.bOut.length, { lr }),
    };
    this.rng = new Rng(options.seed).fork("exploration");
  }

  /** Run the SNN for one control step on `obs`; fills mu and returns V. */
  private think(obs: Float32Array, controlStep: number): number {
    const { input, obsScale, net, mu } = this;
    for (let i = 0; i < obs.length; i++) input[i] = Math.tanh(obs[i]! / obsScale[i]!);
    const time = controlStep * this.opts.substeps * this.opts.dt;
    for (let c = 0; c < this.clockPeriods.length; c++) {
      const phase = (2 * Math.PI * time) / this.clockPeriods[c]!;
      input[obs.length + 2 * c] = Math.sin(phase);
      input[obs.length + 2 * c + 1] = Math.cos(phase);
    }
    for (let s = 0; s < this.opts.substeps; s++) net.step(input);
    for (let k = 0; k < this.nAct; k++) mu[k] = net.y[k]!;
    return net.y[this.nAct]!;
  }

  /** trace <- gamma lambda trace + (policy score + cV * value gradient), all via e-prop. */
  private pushTrace(): void {
    const { net, nAct, coeff, outCoeff, mu, sample } = this;
    const { nRec, nIn, nOut } = net.config;
    const s2 = this.opts.sigma * this.opts.sigma;
    const cV = this.opts.valueWeight;
    for (let k = 0; k < nAct; k++) outCoeff[k] = (sample[k]! - mu[k]!) / s2;
    outCoeff[nAct] = cV;
    const symmetric = net.config.feedback === "symmetric";
    const wOut = net.params.wOut, B = net.feedbackMatrix;
    for (let j = 0; j < nRec; j++) {
      let l = 0;
      for (let k = 0; k < nOut; k++) l += (symmetric ? wOut[k * nRec + j]! : B[j * nOut + k]!) * outCoeff[k]!;
      coeff[j] = l;
    }
    const decay = this.opts.gamma * this.opts.lambda;
    const { traceIn, traceRec, traceOut, traceBias } = this;
    for (let j = 0; j < nRec; j++) {
      const l = coeff[j]!;
      for (let i = 0; i < nIn; i++) {
        const k = j * nIn + i;
        traceIn[k] = decay * traceIn[k]! + l * net.ebarIn[k]!;
      }
      for (let i = 0; i < nRec; i++) {
        const k = j * nRec + i;
        traceRec[k] = net.recMask[k] ? decay * traceRec[k]! + l * net.ebarRec[k]! : 0;
      }
    }
    for (let k = 0; k < nOut; k++) {
      for (let j = 0; j < nRec; j++) {
        const idx = k * nRec + j;
        traceOut[idx] = decay * traceOut[idx]! + outCoeff[k]! * net.zbar[j]!;
      }
      traceBias[k] = decay * traceBias[k]! + outCoeff[k]! * net.readoutBiasTrace;
    }
  }

  private addDelta(delta: number): void {
    const u = this.update;
    for (let k = 0; k < u.wIn.length; k++) u.wIn[k]! += delta * this.traceIn[k]!;
    for (let k = 0; k < u.wRec.length; k++) u.wRec[k]! += delta * this.traceRec[k]!;
    for (let k = 0; k < u.wOut.length; k++) u.wOut[k]! += delta * this.traceOut[k]!;
    for (let k = 0; k < u.bOut.length; k++) u.bOut[k]! += delta * this.traceBias[k]!;
  }

  /**
   * One episode. With `learn`, explores with Gaussian noise and applies the accumulated update at the end;
   * without, acts with the mean action. Returns the undiscounted return.
   */
  episode(seed: number, learn: boolean, maxSteps = Infinity): { return: number; steps: number } {
    const { net, task, action, sample, mu } = this;
    net.reset();
    if (learn) {
      for (const a of [this.traceIn, this.traceRec, this.traceOut, this.traceBias]) a.fill(0);
      if (this.pendingEpisodes === 0) for (const a of Object.values(this.update)) a.fill(0);
    }
    let obs = task.reset(seed);
    let value = this.think(obs, 0);
    let total = 0, steps = 0;
    const sigma = this.opts.sigma;
    for (let t = 0; t < maxSteps; t++) {
      for (let k = 0; k < this.nAct; k++) {
        const a = mu[k]! + (learn ? sigma * this.rng.normal() : 0);
        sample[k] = a;
        action[k] = a < -1 ? -1 : a > 1 ? 1 : a;
      }
      if (learn) this.pushTrace();
      const r = task.step(action);
      total += r.reward;
      steps++;
      obs = r.obs;
      const next = r.done ? 0 : this.think(obs, t + 1);
      if (learn) this.addDelta(r.reward + (r.done ? 0 : this.opts.gamma * next) - value);
      value = next;
      if (r.done) break;
    }
    if (learn && ++this.pendingEpisodes >= this.opts.episodesPerUpdate) {
      this.pendingEpisodes = 0;
      const p = net.params, u = this.update;
      this.adam.wIn.ascend(p.wIn, u.wIn);
      this.adam.wRec.ascend(p.wRec, u.wRec);
      this.adam.wOut.ascend(p.wOut, u.wOut);
      this.adam.bOut.ascend(p.bOut, u.bOut);
      for (let k = 0; k < p.wRec.length; k++) if (!net.recMask[k]) p.wRec[k] = 0;
    }
    return { return: total, steps };
  }
}
