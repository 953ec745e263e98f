/**
 * Running observation normalisation (as in OpenAI-ES / Brax): per-dimension mean and variance over every
 * observation seen in training, merged with Chan et al.'s parallel formula so workers can each collect
 * `ObsStats` and the trainer merges them in a fixed order (deterministic for any worker count).
 * During a generation the normaliser is frozen; its stats update between generations.
 */
import { SpikelocoError } from "../core/errors.ts";

export interface NormalizerState {
  count: number;
  mean: number[];
  m2: number[];
  clip: number;
  eps: number;
}

/** Sufficient statistics of a set of observations (count, mean, sum of squared deviations). */
export class ObsStats {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;

  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
  }

  push(obs: ArrayLike<number>): void {
    this.count += 1;
    const n = this.count;
    for (let i = 0; i < this.dim; i++) {
      const x = obs[i]!;
      const d = x - this.mean[i]!;
      this.mean[i]! += d / n;
      this.m2[i]! += d * (x - this.mean[i]!);
    }
  }

  /** Merge another set into this one (Chan et al. 1979). */
  merge(other: { count: number; mean: ArrayLike<number>; m2: ArrayLike<number> }): void {
    if (other.count === 0) return;
    if (other.mean.length !== this.dim) throw new Error(`cannot merge stats of dim ${other.mean.length} into ${this.dim}`);
    const na = this.count;
    const nb = other.count;
    const n = na + nb;
    for (let i = 0; i < this.dim; i++) {
      const d = other.mean[i]! - this.mean[i]!;
      this.mean[i]! += (d * nb) / n;
      this.m2[i]! += other.m2[i]! + (d * d * na * nb) / n;
    }
    this.count = n;
  }

  toJSON(): { count: number; mean: number[]; m2: number[] } {
    return { count: this.count, mean: Array.from(this.mean), m2: Array.from(this.m2) };
  }
}

export class RunningNormalizer {
  readonly stats: ObsStats;
  readonly clip: number;
  readonly eps: number;
  /** Frozen per-dimension shift and scale used by `normalize` (refreshed by `refresh`). */
  readonly shift: Float32Array;
  readonly scale: Float32Array;

  constructor(readonly dim: number, options: { clip?: number; eps?: number } = {}) {
    this.stats = new ObsStats(dim);
    this.clip = options.clip ?? 5;
    this.eps = options.eps ?? 1e-2;
    this.shift = new Float32Array(dim);
    this.scale = new Float32Array(dim).fill(1);
  }

  /** Add a batch of statistics and refresh the frozen transform. */
  update(batch: { count: number; mean: ArrayLike<number>; m2: ArrayLike<number> }): void {
    this.stats.merge(batch);
    this.refresh();
  }

  refresh(): void {
    const n = this.stats.count;
    for (let i = 0; i < this.dim; i++) {
      const variance = n > 1 ? this.stats.m2[i]! / (n - 1) : 1;
      this.shift[i] = n > 0 ? this.stats.mean[i]! : 0;
      this.scale[i] = 1 / Math.sqrt(Math.max(variance, 0) + this.eps * this.eps);
      if (n <= 1) this.scale[i] = 1;
    }
  }

  /** out = clip((obs − mean) / std) without allocation. */
  normalize(obs: ArrayLike<number>, out: Float32Array): Float32Array {
    const c = this.clip;
    for (let i = 0; i < this.dim; i++) {
      const z = (obs[i]! - this.shift[i]!) * this.scale[i]!;
      out[i] = z > c ? c : z < -c ? -c : z;
    }
    return out;
  }

  state(): NormalizerState {
    return { count: this.stats.count, mean: Array.from(this.stats.mean), m2: Array.from(this.stats.m2), clip: this.clip, eps: this.eps };
  }

  static fromState(state: NormalizerState): RunningNormalizer {
    if (!state || !Array.isArray(state.mean) || !Array.isArray(state.m2) || state.mean.length !== state.m2.length) {
      throw new SpikelocoError("normalizer state is malformed", "normalizer");
    }
    const n = new RunningNormalizer(state.mean.length, { clip: state.clip, eps: state.eps });
    n.stats.count = state.count;
    n.stats.mean.set(state.mean);
    n.stats.m2.set(state.m2);
    n.refresh();
    return n;
  }
}
