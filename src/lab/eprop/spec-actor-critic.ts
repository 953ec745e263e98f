/**
 * Reward-based e-prop (actor-critic, Bellec et al. 2020) on a NetworkSpec controller (SpecEpropNet).
 * The actor is the spec's network unchanged: action mean mu = tanh(y + b) from its leaky decoder, so the
 * trained flat parameter vector runs on the kernel engine as is. Exploration a = mu + sigma * noise.
 * Per control step the policy score d log pi(a) / d(y + b) = (a - mu)(1 - mu^2) / sigma^2 is sent through
 * the e-prop learning signal (SpecEpropNet.backpropReadout), giving a per-parameter estimate of
 * grad log pi; a trace with decay gamma * lambda collects it and the TD error multiplies it into the update.
 * The critic is linear in the filtered hidden spikes (the readout trace): V = w . zbar + c, learned by
 * TD(lambda) on the same error. Updates are summed over `episodesPerUpdate` episodes, then one Adam step.
 * Observations enter as the src/policy's normaliser would feed them: clip(obs * scale, +-clip).
 */
import { Rng, deriveSeed } from "../../core/rng.ts";
import type { NetworkSpec } from "../../snn/spec.ts";
import { Adam } from "../../train/optim/adam.ts";
import type { EpisodicTask } from "./actor-critic.ts";
import { EPROP_TRAINED, SpecEpropNet, type FeedbackKind } from "./spec-net.ts";

export interface SpecActorCriticOptions {
  seed: number;
  /** SNN steps per control step (the same observation is presented each time). */
  substeps?: number;
  sigma?: number;
  gamma?: number;
  lambda?: number;
  lr?: number;
  criticLr?: number;
  episodesPerUpdate?: number;
  feedback?: FeedbackKind;
  /** Observation multiplier before clipping (one per channel or one for all). */
  obsScale?: Float32Array | number;
  obsClip?: number;
}

export class SpecActorCritic {
  readonly net: SpecEpropNet;
  readonly task: EpisodicTask;
  readonly substeps: number;
  readonly obsScale: Float32Array;
  readonly obsClip: number;
  private readonly o: Required<Omit<SpecActorCriticOptions, "obsScale" | "obsClip" | "feedback" | "seed" | "substeps">>;
  private readonly input: Float32Array;
  private readonly action: Float32Array;
  /** unclipped Gaussian sample (the score uses it; the task gets the clipped action). */
  private readonly sample: Float64Array;
  private readonly score: Float64Array;
  /** flat indices of the parameters e-prop trains. */
  private readonly trained: Int32Array;
  private readonly trace: Float64Array;
  private readonly update: Float64Array;
  private readonly adam: Adam;
  private readonly criticW: Float32Array;
  private readonly criticTrace: Float64Array;
  private readonly criticUpdate: Float64Array;
  private readonly criticAdam: Adam;
  private readonly rng: Rng;
  private pending = 0;

  constructor(task: EpisodicTask, spec: NetworkSpec, params: Float32Array, options: SpecActorCriticOptions) {
    this.task = task;
    this.net = new SpecEpropNet(spec, params, { feedback: options.feedback ?? "symmetric", feedbackSeed: options.seed });
    this.substeps = options.substeps ?? 1;
    this.o = {
      sigma: options.sigma ?? 0.3,
      gamma: options.gamma ?? 0.95,
      lambda: options.lambda ?? 0.9,
      lr: options.lr ?? 0.003,
      criticLr: options.criticLr ?? options.lr ?? 0.003,
      episodesPerUpdate: options.episodesPerUpdate ?? 1,
    };
    this.obsScale = new Float32Array(task.obsDim).fill(1);
    if (typeof options.obsScale === "number") this.obsScale.fill(options.obsScale);
    else if (options.obsScale) this.obsScale.set(options.obsScale);
    this.obsClip = options.obsClip ?? 3;
    this.input = new Float32Array(this.net.nIn);
    this.action = new Float32Array(task.actDim);
    this.sample = new Float64Array(task.actDim);
    this.score = new Float64Array(this.net.nOut);
    const idx: number[] = [];
    for (const name of EPROP_TRAINED) {
      if (!this.net.layout.has(name)) continue;
      const e = this.net.layout.entry(name);
      for (let k = e.offset; k < e.offset + e.length; k++) idx.push(k);
    }
    this.trained = Int32Array.from(idx);
    this.trace = new Float64Array(this.trained.length);
    this.update = new Float64Array(params.length);
    this.adam = new Adam(params.length, { lr: this.o.lr });
    const nV = this.net.nHid + 1;
    this.criticW = new Float32Array(nV);
    this.criticTrace = new Float64Array(nV);
    this.criticUpdate = new Float64Array(nV);
    this.criticAdam = new Adam(nV, { lr: this.o.criticLr });
    this.rng = new Rng(deriveSeed(options.seed, "eprop", "exploration"));
  }

  /** The frozen observation transform, in src/policy/policy.ts's normaliser form (shift 0). */
  normalizer(): { shift: Float32Array; scale: Float32Array; clip: number } {
    return { shift: new Float32Array(this.obsScale.length), scale: this.obsScale.slice(), clip: this.obsClip };
  }

  private think(obs: Float32Array): number {
    const { input, obsScale, obsClip, net } = this;
    for (let i = 0; i < input.length; i++) {
      const z = obs[i]! * obsScale[i]!;
      input[i] = z > obsClip ? obsClip : z < -obsClip ? -obsClip : z;
    }
    for (let s = 0; s < this.substeps; s++) net.step(input);
    const zbar = net.readoutTrace, w = this.criticW;
    let v = w[net.nHid]!;
    for (let j = 0; j < net.nHid; j++) v += w[j]! * zbar[j]!;
    return v;
  }

  /** trace <- gamma lambda trace + grad log pi(a) (e-prop estimate); critic trace likewise with dV/dw. */
  private pushTraces(): void {
    const { net, score, trace, trained } = this;
    const mu = net.output;
    const s2 = this.o.sigma * this.o.sigma;
    for (let q = 0; q < net.nOut; q++) score[q] = ((this.sample[q]! - mu[q]!) * (1 - mu[q]! * mu[q]!)) / s2;
    net.zeroGrad();
    net.backpropReadout(score);
    const decay = this.o.gamma * this.o.lambda;
    const g = net.grad;
    for (let k = 0; k < trained.length; k++) trace[k] = decay * trace[k]! + g[trained[k]!]!;
    const ct = this.criticTrace, zbar = net.readoutTrace;
    for (let j = 0; j < net.nHid; j++) ct[j] = decay * ct[j]! + zbar[j]!;
    ct[net.nHid] = decay * ct[net.nHid]! + 1;
  }

  private addTd(delta: number): void {
    const { trace, trained, update, criticTrace, criticUpdate } = this;
    for (let k = 0; k < trained.length; k++) update[trained[k]!]! += delta * trace[k]!;
    for (let j = 0; j < criticUpdate.length; j++) criticUpdate[j]! += delta * criticTrace[j]!;
  }

  /**
   * One episode. With `learn`: explores, accumulates the actor-critic update and applies it (Adam) every
   * `episodesPerUpdate` episodes; without: acts with the mean action. Returns the undiscounted return.
   */
  episode(seed: number, learn: boolean, maxSteps = Infinity): { return: number; steps: number } {
    const { net, task, action } = this;
    net.reset();
    if (learn) {
      this.trace.fill(0);
      this.criticTrace.fill(0);
      if (this.pending === 0) { this.update.fill(0); this.criticUpdate.fill(0); }
    }
    let value = this.think(task.reset(seed));
    let total = 0, steps = 0;
    for (let t = 0; t < maxSteps; t++) {
      for (let q = 0; q < action.length; q++) {
        const a = net.output[q]! + (learn ? this.o.sigma * this.rng.normal() : 0);
        this.sample[q] = a;
        action[q] = a < -1 ? -1 : a > 1 ? 1 : a;
      }
      if (learn) this.pushTraces();
      const r = task.step(action);
      total += r.reward;
      steps++;
      const next = r.done ? 0 : this.think(r.obs);
      if (learn) this.addTd(r.reward + (r.done ? 0 : this.o.gamma * next) - value);
      value = next;
      if (r.done) break;
    }
    if (learn && ++this.pending >= this.o.episodesPerUpdate) {
      this.pending = 0;
      this.adam.ascend(net.params, this.update);
      this.criticAdam.ascend(this.criticW, this.criticUpdate);
    }
    return { return: total, steps };
  }
}
