/**
 * Quadratic integrate-and-fire neuron in closed form (Klos & Memmesheimer): tau dV/dt = V(V - 1) + I0,
 * input spikes add w to V (delta pulses), a spike is V reaching +inf, after which V restarts from -inf.
 * With x = V - 1/2 and c = I0 - 1/4:
 *   c > 0  (oscillatory, "theta"):  x(t) = s tan(s t/tau + atan(x0/s)),      s = sqrt(c)
 *   c = 0:                          x(t) = x0 / (1 - x0 t/tau)
 *   c < 0  (excitable):             x(t) = -s tanh(s t/tau - atanh(x0/s))  for |x0| < s,
 *                                   x(t) = -s coth(s t/tau - atanh(s/x0))  for |x0| > s,   s = sqrt(-c)
 * so the next spike time and the state after any interval are closed form and the simulation is event based.
 */
export interface QifConstants {
  tau: number;
  /** Constant drive I0. */
  drive: number;
}

/** Time until V reaches +inf from v0 without input (Infinity when it never does). v0 = -inf is allowed. */
export function qifTimeToSpike(k: QifConstants, v0: number): number {
  const c = k.drive - 0.25;
  const x0 = v0 - 0.5;
  if (c > 0) {
    const s = Math.sqrt(c);
    const start = x0 === -Infinity ? -Math.PI / 2 : Math.atan(x0 / s);
    return (k.tau / s) * (Math.PI / 2 - start);
  }
  if (c === 0) return x0 > 0 ? k.tau / x0 : Infinity;
  const s = Math.sqrt(-c);
  if (x0 <= s) return Infinity;
  return (k.tau / s) * Math.atanh(s / x0);
}

/** V after free evolution for time t (caller guarantees t is before the next spike). */
export function qifFlow(k: QifConstants, v0: number, t: number): number {
  const c = k.drive - 0.25;
  const x0 = v0 - 0.5;
  if (c > 0) {
    const s = Math.sqrt(c);
    const start = x0 === -Infinity ? -Math.PI / 2 : Math.atan(x0 / s);
    return 0.5 + s * Math.tan((s * t) / k.tau + start);
  }
  if (c === 0) {
    if (x0 === -Infinity) return 0.5 - k.tau / t;
    return 0.5 + x0 / (1 - (x0 * t) / k.tau);
  }
  const s = Math.sqrt(-c);
  if (x0 === -Infinity) return 0.5 - s / Math.tanh((s * t) / k.tau);
  if (Math.abs(x0) < s) return 0.5 - s * Math.tanh((s * t) / k.tau - Math.atanh(x0 / s));
  if (x0 === s || x0 === -s) return v0;
  return 0.5 - s / Math.tanh((s * t) / k.tau - Math.atanh(s / x0));
}

/** Event-driven QIF simulation with delta-pulse inputs (sorted times); returns spike times in [0, T]. */
export function qifSimulate(
  k: QifConstants,
  v0: number,
  inputTimes: ArrayLike<number>,
  inputWeights: ArrayLike<number>,
  trialEnd: number,
): number[] {
  const spikes: number[] = [];
  let v = v0;
  let t = 0;
  const advance = (target: number): void => {
    for (;;) {
      const ts = t + qifTimeToSpike(k, v);
      if (!(ts <= target)) break;
      spikes.push(ts);
      t = ts;
      v = -Infinity;
    }
    v = qifFlow(k, v, target - t);
    t = target;
  };
  for (let i = 0; i < inputTimes.length; i++) {
    if (inputTimes[i]! > trialEnd) break;
    advance(inputTimes[i]!);
    v += inputWeights[i]!;
  }
  advance(trialEnd);
  return spikes;
}
