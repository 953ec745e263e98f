/**
 * ClipUp (Toklu et al. 2020, as in EvoTorch): the gradient is normalised to unit length, scaled by the
 * step size, accumulated with heavy-ball momentum, and the velocity is clipped to `maxSpeed` (L2 norm).
 * Ascent: theta += velocity. EvoTorch's default maxSpeed is twice the step size.
 */
export interface ClipUpOptions {
  stepSize: number;
  maxSpeed?: number | undefined;
  momentum?: number | undefined;
}

export class ClipUp {
  readonly stepSize: number;
  readonly maxSpeed: number;
  readonly momentum: number;
  velocity: Float64Array;

  constructor(dim: number, options: ClipUpOptions) {
    this.stepSize = options.stepSize;
    this.maxSpeed = options.maxSpeed ?? 2 * options.stepSize;
    this.momentum = options.momentum ?? 0.9;
    this.velocity = new Float64Array(dim);
  }

  /** Apply one step; returns the L2 norm of the applied velocity. */
  ascend(theta: Float32Array, grad: ArrayLike<number>): number {
    let gNormSq = 0;
    for (let i = 0; i < theta.length; i++) gNormSq += grad[i]! * grad[i]!;
    const gScale = gNormSq > 0 ? this.stepSize / Math.sqrt(gNormSq) : 0;
    let vNormSq = 0;
    const vel = this.velocity;
    for (let i = 0; i < theta.length; i++) {
      vel[i] = this.momentum * vel[i]! + gScale * grad[i]!;
      vNormSq += vel[i]! * vel[i]!;
    }
    const vNorm = Math.sqrt(vNormSq);
    const clip = vNorm > this.maxSpeed ? this.maxSpeed / vNorm : 1;
    for (let i = 0; i < theta.length; i++) {
      vel[i]! *= clip;
      theta[i]! += vel[i]!;
    }
    return vNorm * clip;
  }

  state(): { velocity: Float64Array } {
    return { velocity: this.velocity.slice() };
  }

  load(state: { velocity: Float64Array }): void {
    if (state.velocity.length !== this.velocity.length) {
      throw new Error(`ClipUp state has dimension ${state.velocity.length}, expected ${this.velocity.length}`);
    }
    this.velocity.set(state.velocity);
  }
}
