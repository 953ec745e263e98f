/** Adam descent on a group of Float64Arrays (one learning rate per group: weights and delays differ). */
export class AdamGroup {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    readonly params: Float64Array[],
    readonly lr: number,
    private readonly clip: [number, number] = [-Infinity, Infinity],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  /** params -= lr * adam(grad / scale), then clip into the allowed range (delays stay in [0, max]). */
  step(grads: Float64Array[], scale = 1): void {
    this.t += 1;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    const [lo, hi] = this.clip;
    for (let g = 0; g < this.params.length; g++) {
      const p = this.params[g]!;
      const gr = grads[g]!;
      const m = this.m[g]!;
      const v = this.v[g]!;
      for (let i = 0; i < p.length; i++) {
        const gi = gr[i]! / scale;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        const next = p[i]! - (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.eps);
        p[i] = next < lo ? lo : next > hi ? hi : next;
      }
    }
  }
}
