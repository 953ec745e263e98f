/**
 * Adam (Kingma & Ba) as a gradient-ASCENT step on a flat Float32Array, with optional weight decay:
 * "decoupled" (AdamW, Loshchilov & Hutter): theta -= lr_i * weightDecay * theta after the Adam step, so
 * with a zero gradient a parameter shrinks by exactly the factor (1 - lr_i * weightDecay) per step;
 * "coupled": wd * theta is subtracted from the gradient before the moments (the older behaviour, whose
 * strength then depends on the gradient's scale). Optional per-parameter learning-rate multipliers.
 * Moments are kept in Float64 so that long runs and resumes stay exact.
 */
export interface AdamOptions {
  lr: number;
  beta1?: number | undefined;
  beta2?: number | undefined;
  eps?: number | undefined;
  weightDecay?: number | undefined;
  weightDecayMode?: "decoupled" | "coupled" | undefined;
  /** Per-parameter learning-rate multipliers (default 1). */
  lrScale?: Float32Array | undefined;
}

export interface AdamState {
  t: number;
  m: Float64Array;
  v: Float64Array;
}

export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly lrScale: Float32Array | null;
  t = 0;
  m: Float64Array;
  v: Float64Array;

  constructor(dim: number, options: AdamOptions) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupled = (options.weightDecayMode ?? "coupled") === "decoupled";
    this.lrScale = options.lrScale ?? null;
    if (this.lrScale && this.lrScale.length !== dim) throw new Error(`lrScale has ${this.lrScale.length} entries, expected ${dim}`);
    this.m = new Float64Array(dim);
    this.v = new Float64Array(dim);
  }

  /**
   * theta += lr_i * adam(grad) - lr_i * wd * theta (decoupled) or theta += lr * adam(grad - wd * theta) (coupled).
   * Returns the L2 norm of the applied step. `lr` may be overridden (schedules).
   */
  ascend(theta: Float32Array, grad: ArrayLike<number>, lr = this.lr): number {
    this.t += 1;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const a = (lr * Math.sqrt(c2)) / c1;
    const wd = this.weightDecay;
    const coupledWd = this.decoupled ? 0 : wd;
    const decoupledWd = this.decoupled ? wd : 0;
    const scale = this.lrScale;
    let stepSq = 0;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i]! - coupledWd * theta[i]!;
      const m = (this.m[i] = b1 * this.m[i]! + (1 - b1) * g);
      const v = (this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g);
      const s = scale ? scale[i]! : 1;
      let step = (s * a * m) / (Math.sqrt(v) + this.eps * Math.sqrt(c2));
      if (decoupledWd !== 0) step -= s * lr * decoupledWd * theta[i]!;
      theta[i]! += step;
      stepSq += step * step;
    }
    return Math.sqrt(stepSq);
  }

  state(): AdamState {
    return { t: this.t, m: this.m.slice(), v: this.v.slice() };
  }

  load(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new Error(`Adam state has dimension ${state.m.length}, expected ${this.m.length}`);
    }
    this.t = state.t;
    this.m.set(state.m);
    this.v.set(state.v);
  }
}
