/**
 * Closed-form LIF neuron with an exponential synapse (float64), the building block of the
 * event-based forward pass and of the EventProp adjoint:
 *   tau_m dV/dt = -V + I,   tau_s dI/dt = -I,   I += w at each arrival,   spike at V = threshold, reset V = 0.
 * Between events V(u) = A e^{-u/tau_m} + B e^{-u/tau_s}, so a threshold crossing is a 1-D root of a sum of
 * two exponentials (at most one extremum), and the adjoint between events is closed form as well.
 */
export interface LifConstants {
  tauMem: number;
  tauSyn: number;
  threshold: number;
}

export function validateLif(c: LifConstants): void {
  if (!(c.tauMem > 0) || !(c.tauSyn > 0) || Math.abs(c.tauMem - c.tauSyn) < 1e-9 * c.tauMem) {
    throw new Error(`LIF needs tauMem, tauSyn > 0 and tauMem != tauSyn (got ${c.tauMem}, ${c.tauSyn})`);
  }
}

/** Coefficients so that V(u) = a e^{-u/tau_m} + b e^{-u/tau_s} from V(0)=v0, I(0)=i0. */
function coefficients(c: LifConstants, v0: number, i0: number): [number, number] {
  const k = c.tauSyn / (c.tauSyn - c.tauMem);
  return [v0 - k * i0, k * i0];
}

/** Voltage after free evolution for u time units. */
export function lifVoltage(c: LifConstants, v0: number, i0: number, u: number): number {
  const [a, b] = coefficients(c, v0, i0);
  return a * Math.exp(-u / c.tauMem) + b * Math.exp(-u / c.tauSyn);
}

/** dV/dt given the present state. */
export function lifSlope(c: LifConstants, v: number, i: number): number {
  return (i - v) / c.tauMem;
}

/**
 * First time u in (0, horizon] at which V reaches the threshold from below, or -1 when it does not.
 * The crossing lies in the rising part before the single peak, where V is monotonic, so a bracketed
 * Newton iteration converges to machine precision.
 */
export function lifNextCrossing(c: LifConstants, v0: number, i0: number, horizon: number): number {
  const [a, b] = coefficients(c, v0, i0);
  const tm = c.tauMem;
  const ts = c.tauSyn;
  const th = c.threshold;
  const slope0 = -a / tm - b / ts;
  if (slope0 <= 0) return -1; // falling or flat: at most a minimum follows, then decay towards 0 < threshold
  let end = horizon;
  const ratio = (-b * tm) / (a * ts);
  if (ratio > 0) {
    const peak = Math.log(ratio) / (1 / ts - 1 / tm);
    if (peak > 0 && peak < end) end = peak;
  }
  const vEnd = a * Math.exp(-end / tm) + b * Math.exp(-end / ts);
  if (vEnd < th) return -1;
  let lo = 0;
  let hi = end;
  let x = 0.5 * (lo + hi);
  for (let iter = 0; iter < 100; iter++) {
    const em = Math.exp(-x / tm);
    const es = Math.exp(-x / ts);
    const f = a * em + b * es - th;
    if (f < 0) lo = x;
    else hi = x;
    const df = -a * em / tm - b * es / ts;
    let next = df > 0 ? x - f / df : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * (1 + Math.abs(x)) || hi - lo <= 1e-15 * (1 + hi)) return next;
    x = next;
  }
  return x;
}

/** Current after free decay for u time units. */
export function lifCurrent(c: LifConstants, i0: number, u: number): number {
  return i0 * Math.exp(-u / c.tauSyn);
}

/**
 * Propagate the adjoint (sensitivities aV = dL/dV, aI = dL/dI) backwards in time by u with no running loss:
 *   -daV/dt = -aV/tau_m,  -daI/dt = aV/tau_m - aI/tau_s.
 * Writes [aV, aI] at the earlier time into out.
 */
export function adjointBack(c: LifConstants, aV: number, aI: number, u: number, out: Float64Array): void {
  const em = Math.exp(-u / c.tauMem);
  const es = Math.exp(-u / c.tauSyn);
  const coupling = c.tauSyn / (c.tauMem - c.tauSyn);
  out[0] = aV * em;
  out[1] = aI * es + aV * coupling * (em - es);
}

/** Unit postsynaptic potential (V response to a unit current jump at u = 0). */
export function pspKernel(c: LifConstants, u: number): number {
  if (u <= 0) return 0;
  const k = c.tauSyn / (c.tauSyn - c.tauMem);
  return k * (Math.exp(-u / c.tauSyn) - Math.exp(-u / c.tauMem));
}

/** Integral of the unit PSP over [0, u]. */
export function pspIntegral(c: LifConstants, u: number): number {
  if (u <= 0) return 0;
  const k = c.tauSyn / (c.tauSyn - c.tauMem);
  return k * (c.tauSyn * (1 - Math.exp(-u / c.tauSyn)) - c.tauMem * (1 - Math.exp(-u / c.tauMem)));
}

/** Slope d/du of the unit PSP (0 for u <= 0; the right limit at u = 0+ is 1/tau_m). */
export function pspKernelSlope(c: LifConstants, u: number): number {
  if (u <= 0) return 0;
  const k = c.tauSyn / (c.tauSyn - c.tauMem);
  return k * (Math.exp(-u / c.tauMem) / c.tauMem - Math.exp(-u / c.tauSyn) / c.tauSyn);
}

/**
 * Time u in (0, horizon) of the interior maximum of V on a free-evolution segment starting from (v0, i0),
 * or -1 when V has no interior maximum there. V(u) = a e^{-u/tau_m} + b e^{-u/tau_s} has at most one
 * extremum; it is a maximum when V is rising at u = 0.
 */
export function lifPeakTime(c: LifConstants, v0: number, i0: number, horizon: number): number {
  if (!(i0 > v0)) return -1; // not rising at the segment start: V(u) only falls, or falls then rises
  const [a, b] = coefficients(c, v0, i0);
  const ratio = (-b * c.tauMem) / (a * c.tauSyn);
  if (!(ratio > 0)) return -1;
  const peak = Math.log(ratio) / (1 / c.tauSyn - 1 / c.tauMem);
  return peak > 0 && peak < horizon ? peak : -1;
}
