/**
 * PGPE (Sehnke et al. 2010) as in EvoTorch: separable Gaussian with a learned per-parameter std,
 * symmetric (antithetic) sampling, centered ranks, ClipUp on the center, and a plain gradient step on
 * the std limited to a relative change of `sigmaMaxChange` per generation.
 */
import { SpikelocoError } from "../../core/errors.ts";
import { ClipUp } from "../optim/clipup.ts";
import { antitheticPopulation, type Candidate } from "./noise.ts";
import { l2, pairSums } from "./gradient.ts";
import type { Searcher, SearcherOptions, SearcherState, TellStats } from "./searcher.ts";
import { shapeFitness, type FitnessShaping } from "./shaping.ts";

export class PGPE implements Searcher {
  readonly algo = "pgpe" as const;
  readonly dim: number;
  readonly center: Float32Array;
  readonly sigma: Float32Array;
  readonly popSize: number;
  generation = 0;
  private readonly seed: number;
  private readonly shaping: FitnessShaping;
  private readonly clipup: ClipUp;
  private readonly sigmaLr: number;
  private readonly sigmaMaxChange: number;

  constructor(initial: Float32Array, options: SearcherOptions) {
    if (options.popSize < 2 || options.popSize % 2 !== 0) throw new Error(`popSize must be even and >= 2, got ${options.popSize}`);
    this.dim = initial.length;
    this.center = initial.slice();
    this.sigma = new Float32Array(this.dim).fill(options.sigma);
    if (options.scale) for (let i = 0; i < this.dim; i++) this.sigma[i] = options.sigma * options.scale[i]!;
    this.popSize = options.popSize;
    this.seed = options.seed >>> 0;
    this.shaping = options.fitnessShaping ?? "centered-ranks";
    this.clipup = new ClipUp(this.dim, { stepSize: options.lr, maxSpeed: options.maxSpeed, momentum: options.momentum });
    this.sigmaLr = options.sigmaLr ?? 0.1;
    this.sigmaMaxChange = options.sigmaMaxChange ?? 0.2;
  }

  ask(): Candidate[] {
    return antitheticPopulation(this.seed, this.generation, this.popSize);
  }

  tell(candidates: Candidate[], fitness: ArrayLike<number>): TellStats {
    const shaped = shapeFitness(fitness, this.shaping);
    const { diff, sum } = pairSums(candidates, shaped, this.dim, true);
    // EvoTorch: grad_mu = Σ (f⁺−f⁻)/2 · σ eps / n ; grad_σ = Σ (f̄ − b) · ((σ eps)² − σ²)/σ / n
    const gradMu = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) gradMu[i] = diff[i]! * this.sigma[i]!;
    const stepNorm = this.clipup.ascend(this.center, gradMu);
    let sigmaSum = 0;
    for (let i = 0; i < this.dim; i++) {
      const s = this.sigma[i]!;
      const proposed = s + this.sigmaLr * sum![i]! * s;
      const lo = s * (1 - this.sigmaMaxChange);
      const hi = s * (1 + this.sigmaMaxChange);
      this.sigma[i] = Math.min(hi, Math.max(lo, proposed));
      sigmaSum += this.sigma[i]!;
    }
    this.generation += 1;
    return { gradNorm: l2(gradMu), stepNorm, sigmaMean: sigmaSum / this.dim };
  }

  state(): SearcherState {
    return {
      algo: "pgpe",
      generation: this.generation,
      scalars: {},
      arrays: { center: this.center.slice(), sigma: this.sigma.slice(), velocity: this.clipup.state().velocity },
    };
  }

  load(state: SearcherState): void {
    if (state.algo !== "pgpe") throw new Error(`checkpoint holds a '${state.algo}' searcher, not 'pgpe'`);
    const { center, sigma, velocity } = state.arrays;
    if (!(center instanceof Float32Array) || center.length !== this.dim) throw new Error("searcher state: center has the wrong size");
    if (!(sigma instanceof Float32Array) || sigma.length !== this.dim) throw new SpikelocoError("searcher state: sigma is missing or has the wrong size");
    if (!(velocity instanceof Float64Array)) throw new SpikelocoError("searcher state: velocity (float64) is missing");
    this.center.set(center);
    this.sigma.set(sigma);
    this.clipup.load({ velocity });
    this.generation = state.generation;
  }
}
