/**
 * Seeded pseudo-random numbers shared by every part of spikeloco.
 *
 * xoshiro128** (32-bit state words) for the stream, splitmix32 to expand seeds, and
 * `deriveSeed` to give every (seed, purpose, index) its own independent stream, so that
 * workers can regenerate the same noise from a seed instead of shipping vectors around.
 */

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, state];
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Combine a seed with purpose tags and indices into a new 32-bit seed. */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = (seed >>> 0) ^ 0x5bd1e995;
  for (const part of parts) {
    const v = typeof part === "string" ? hashString(part) : part >>> 0;
    let [z] = splitmix32((h ^ v) >>> 0);
    z ^= Math.imul(v ^ (v >>> 15), 0x2c1b3c6d);
    [h] = splitmix32(z >>> 0);
  }
  return h >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = 0;
  private hasSpare = false;

  constructor(seed: number) {
    let st = seed >>> 0;
    let v: number;
    [v, st] = splitmix32(st); this.s0 = v;
    [v, st] = splitmix32(st); this.s1 = v;
    [v, st] = splitmix32(st); this.s2 = v;
    [v, st] = splitmix32(st); this.s3 = v;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A fresh, independent generator for a named purpose. */
  fork(...parts: Array<number | string>): Rng {
    return new Rng(deriveSeed(this.nextU32(), ...parts));
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u = this.uniform();
    while (u <= 1e-300) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill `out` with standard normals scaled by `scale`. */
  fillNormal(out: Float32Array | Float64Array, scale = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal() * scale;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
