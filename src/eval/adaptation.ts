/**
 * Adaptation metrics from per-step traces: window means before and after an onset step, and
 * recovery time = steps after onset until the moving average of forward speed over one window first
 * regains `fraction` of the pre-onset speed. Steps after an early termination (a fall) count as zero
 * reward and zero speed: a fallen robot has not recovered.
 */

export interface RecoverySpec {
  onsetStep: number;
  window: number;
  fraction: number;
  /** Windows before onset that define the pre-onset speed. */
  preOnsetWindows: number;
}

export interface Recovery {
  /** Mean forward speed over the pre-onset windows. */
  preOnsetSpeed: number;
  /** Lowest one-window moving average of speed after onset, as a fraction of pre-onset speed. */
  minRelativeSpeed: number;
  /** Steps after onset until recovered; null if never recovered within the episode or undefined. */
  steps: number | null;
  /** False when pre-onset speed is not positive (nothing to recover to). */
  defined: boolean;
}

/** Copy a trace of `length` steps into a padded array of `total` steps (zeros after the end). */
export function padTrace(trace: ArrayLike<number>, total: number): Float64Array {
  const out = new Float64Array(total);
  const n = Math.min(trace.length, total);
  for (let i = 0; i < n; i++) out[i] = trace[i]!;
  return out;
}

/** Means of consecutive, non-overlapping windows (the last partial window is dropped). */
export function windowMeans(trace: ArrayLike<number>, window: number): Float64Array {
  const count = Math.floor(trace.length / window);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let i = k * window; i < (k + 1) * window; i++) s += trace[i]!;
    out[k] = s / window;
  }
  return out;
}

function prefixSums(trace: ArrayLike<number>): Float64Array {
  const p = new Float64Array(trace.length + 1);
  for (let i = 0; i < trace.length; i++) p[i + 1] = p[i]! + trace[i]!;
  return p;
}

export function recoveryTime(speeds: ArrayLike<number>, spec: RecoverySpec): Recovery {
  const { onsetStep, window, fraction, preOnsetWindows } = spec;
  const p = prefixSums(speeds);
  const preStart = Math.max(0, onsetStep - window * preOnsetWindows);
  const preOnsetSpeed = onsetStep > preStart ? (p[onsetStep]! - p[preStart]!) / (onsetStep - preStart) : NaN;
  let minAvg = Infinity;
  let steps: number | null = null;
  const target = fraction * preOnsetSpeed;
  for (let s = onsetStep; s + window <= speeds.length; s++) {
    const avg = (p[s + window]! - p[s]!) / window;
    if (avg < minAvg) minAvg = avg;
    if (steps === null && avg >= target) steps = s - onsetStep;
  }
  const defined = preOnsetSpeed > 0;
  return {
    preOnsetSpeed,
    minRelativeSpeed: defined && Number.isFinite(minAvg) ? minAvg / preOnsetSpeed : NaN,
    steps: defined ? steps : null,
    defined,
  };
}
