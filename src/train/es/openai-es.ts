/**
 * OpenAI-ES (Salimans et al. 2017): Gaussian around the center (isotropic, or with a per-parameter
 * std sigma * scale_i when parameter groups are scaled, see groups.ts), antithetic pairs, centered-rank
 * fitness shaping, Adam on the gradient estimate (per-parameter lr = lr * scale_i) with weight decay
 * (decoupled by default, see optim/adam.ts).
 */
import { SpikelocoError } from "../../core/errors.ts";
import { Adam } from "../optim/adam.ts";
import { antitheticPopulation, type Candidate } from "./noise.ts";
import { l2, pairSums } from "./gradient.ts";
import type { Searcher, SearcherOptions, SearcherState, TellStats } from "./searcher.ts";
import { shapeFitness, type FitnessShaping } from "./shaping.ts";

export class OpenAIES implements Searcher {
  readonly algo = "es" as const;
  readonly dim: number;
  readonly center: Float32Array;
  readonly sigma: Float32Array;
  readonly popSize: number;
  generation = 0;
  private readonly seed: number;
  private readonly shaping: FitnessShaping;
  private readonly adam: Adam;
  private readonly sigmaValue: number;
  private readonly scale: Float32Array | null;
  /** Last gradient estimate (for diagnostics and tests). */
  lastGradient: Float64Array;

  constructor(initial: Float32Array, options: SearcherOptions) {
    if (options.popSize < 2 || options.popSize % 2 !== 0) throw new Error(`popSize must be even and >= 2, got ${options.popSize}`);
    this.dim = initial.length;
    this.center = initial.slice();
    this.sigmaValue = options.sigma;
    this.scale = options.scale ? Float32Array.from(options.scale) : null;
    if (this.scale && this.scale.length !== this.dim) throw new Error(`scale has ${this.scale.length} entries, expected ${this.dim}`);
    this.sigma = new Float32Array(this.dim).fill(options.sigma);
    if (this.scale) for (let i = 0; i < this.dim; i++) this.sigma[i] = options.sigma * this.scale[i]!;
    this.popSize = options.popSize;
    this.seed = options.seed >>> 0;
    this.shaping = options.fitnessShaping ?? "centered-ranks";
    this.adam = new Adam(this.dim, {
      lr: options.lr,
      weightDecay: options.weightDecay ?? 0,
      weightDecayMode: options.weightDecayMode ?? "decoupled",
      lrScale: this.scale ?? undefined,
    });
    this.lastGradient = new Float64Array(this.dim);
  }

  ask(): Candidate[] {
    return antitheticPopulation(this.seed, this.generation, this.popSize);
  }

  /** Gradient estimate of E[f(center + σ eps)] w.r.t. the center (unbiased with raw shaping). */
  estimateGradient(candidates: Candidate[], fitness: ArrayLike<number>): Float64Array {
    const shaped = shapeFitness(fitness, this.shaping);
    const { diff } = pairSums(candidates, shaped, this.dim, false);
    // d/dc E[f(c + sigma_i eps)] = E[f eps_i] / sigma_i
    if (this.scale) for (let i = 0; i < this.dim; i++) diff[i]! /= this.sigmaValue * this.scale[i]!;
    else for (let i = 0; i < this.dim; i++) diff[i]! /= this.sigmaValue;
    return diff;
  }

  tell(candidates: Candidate[], fitness: ArrayLike<number>): TellStats {
    const grad = this.estimateGradient(candidates, fitness);
    this.lastGradient = grad;
    const stepNorm = this.adam.ascend(this.center, grad);
    this.generation += 1;
    return { gradNorm: l2(grad), stepNorm, sigmaMean: this.sigmaValue };
  }

  state(): SearcherState {
    const a = this.adam.state();
    return {
      algo: "es",
      generation: this.generation,
      scalars: { adamT: a.t, sigma: this.sigmaValue },
      arrays: { center: this.center.slice(), adamM: a.m, adamV: a.v },
    };
  }

  load(state: SearcherState): void {
    if (state.algo !== "es") throw new Error(`checkpoint holds a '${state.algo}' searcher, not 'es'`);
    const center = state.arrays.center;
    if (!(center instanceof Float32Array) || center.length !== this.dim) throw new Error("searcher state: center has the wrong size");
    this.center.set(center);
    this.generation = state.generation;
    const t = state.scalars["adamT"];
    const { adamM: m, adamV: v } = state.arrays;
    if (typeof t !== "number" || !(m instanceof Float64Array) || !(v instanceof Float64Array)) {
      throw new SpikelocoError("searcher state: the Adam state (scalars.adamT, arrays adamM and adamV as float64) is missing");
    }
    this.adam.load({ t, m, v });
  }
}
