/**
 * Statistics for paired evaluations: seeded bootstrap intervals for means, paired differences and ratios.
 *
 * Intervals use the "expanded percentile" bootstrap (Hesterberg 2015, "What teachers should know about the
 * bootstrap"): the plain percentile interval is too narrow for small samples (about 80% coverage at n = 5), so
 * the percentile levels are widened to match a t interval: alpha' = Phi(-sqrt(n/(n-1)) * t_{1-alpha/2, n-1}).
 * Resampling is always over paired units (an episode seed index shared by every arm), so correlations
 * between arms are kept.
 */
import { SpikelocoError } from "../core/errors.ts";
import { Rng } from "../core/rng.ts";

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  resamples?: number | undefined;
  level?: number | undefined;
  seed?: number | undefined;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_LEVEL = 0.95;

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
}

export function sampleStd(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return xs.length > 1 ? Math.sqrt(s / (xs.length - 1)) : NaN;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Continued fraction for the regularized incomplete beta (Numerical Recipes betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, x);
  return t >= 0 ? 1 - tail : tail;
}

/** Student t quantile by bisection on the CDF (accurate to ~1e-10). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Linear-interpolated quantile of an ascending-sorted array. */
export function sortedQuantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = Math.min(Math.max(p, 0), 1) * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - frac) + sorted[i + 1]! * frac : sorted[i]!;
}

/** Percentile levels of the expanded percentile bootstrap for n paired units. */
export function expandedTailProbability(n: number, level: number): number {
  const alpha = 1 - level;
  if (n < 2) return alpha / 2;
  const t = studentTQuantile(1 - alpha / 2, n - 1);
  return normalCdf(-Math.sqrt(n / (n - 1)) * t);
}

/**
 * Bootstrap any statistic of n paired units. `statistic(idx)` receives the resampled unit indices
 * (length n) and returns a number; non-finite resample values are dropped (e.g. a ratio over a zero mean).
 */
export function bootstrap(n: number, statistic: (idx: Int32Array) => number, options: BootstrapOptions = {}): Interval {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  if (!(level > 0 && level < 1)) throw new SpikelocoError(`confidence level must be in (0, 1), got ${level}`, "level");
  if (!Number.isInteger(resamples) || resamples < 10) throw new SpikelocoError(`need at least 10 resamples, got ${resamples}`, "resamples");
  const identity = new Int32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const estimate = n > 0 ? statistic(identity) : NaN;
  if (n < 2 || !Number.isFinite(estimate)) return { estimate, lo: NaN, hi: NaN };
  const rng = new Rng(options.seed ?? 0x5eed);
  const idx = new Int32Array(n);
  const values = new Float64Array(resamples);
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const v = statistic(idx);
    if (Number.isFinite(v)) values[kept++] = v;
  }
  if (kept < resamples / 2) return { estimate, lo: NaN, hi: NaN };
  const sorted = values.subarray(0, kept).sort();
  const tail = expandedTailProbability(n, level);
  return { estimate, lo: sortedQuantile(sorted, tail), hi: sortedQuantile(sorted, 1 - tail) };
}

export function meanInterval(xs: ArrayLike<number>, options?: BootstrapOptions): Interval {
  return bootstrap(xs.length, (idx) => {
    let s = 0;
    for (let i = 0; i < idx.length; i++) s += xs[idx[i]!]!;
    return s / idx.length;
  }, options);
}

function requireSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new SpikelocoError(`paired samples differ in length (${a.length} vs ${b.length})`);
}

/** Mean of a[i] - b[i] over paired units, with its interval. */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>, options?: BootstrapOptions): Interval {
  requireSameLength(a, b);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i]! - b[i]!;
  return meanInterval(d, options);
}

function ratioOfMeans(num: ArrayLike<number>, den: ArrayLike<number>, idx: Int32Array): number {
  let sn = 0;
  let sd = 0;
  for (let i = 0; i < idx.length; i++) {
    sn += num[idx[i]!]!;
    sd += den[idx[i]!]!;
  }
  return sd > 0 ? sn / sd : NaN;
}

/**
 * Retention: mean under a condition over mean under nominal, paired by unit. Undefined (NaN) when the
 * nominal mean is not positive, since a ratio to a non-positive baseline has no "fraction kept" reading.
 */
export function retention(condition: ArrayLike<number>, nominal: ArrayLike<number>, options?: BootstrapOptions): Interval {
  requireSameLength(condition, nominal);
  return bootstrap(condition.length, (idx) => ratioOfMeans(condition, nominal, idx), options);
}

/** Difference of two controllers' retentions on the same paired units (A minus B). */
export function retentionDifference(
  condA: ArrayLike<number>, nominalA: ArrayLike<number>,
  condB: ArrayLike<number>, nominalB: ArrayLike<number>,
  options?: BootstrapOptions,
): Interval {
  requireSameLength(condA, nominalA);
  requireSameLength(condA, condB);
  requireSameLength(condB, nominalB);
  return bootstrap(condA.length, (idx) => ratioOfMeans(condA, nominalA, idx) - ratioOfMeans(condB, nominalB, idx), options);
}
