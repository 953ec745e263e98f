/**
 * Theta neuron = QIF with I0 > 1/4 written in its phase: phi grows at rate 1 on [0, Theta], Theta =
 * tau pi / sqrt(I0 - 1/4); a spike at phi = Theta resets phi to 0; an input pulse of weight w maps
 * phi -> H(phi, w) = Phi(Phi^-1(phi) + w) with Phi(V) = tau/s (atan((V - 1/2)/s) + pi/2).
 *
 * `thetaSpikeTimes` simulates event by event and carries exact forward-mode derivatives of every spike
 * time with respect to the input weights and the initial phase. Spikes after the trial end T are
 * "pseudospikes": the neuron keeps its free oscillation after T, so the k-th output time is the ordinary
 * spike when there is one and T + (m Theta - phi(T)) otherwise. A spike that slides past T turns into a
 * pseudospike at the same time, so spike-time losses stay continuous.
 */
import type { QifConstants } from "./qif.ts";

export function thetaPeriod(k: QifConstants): number {
  const c = k.drive - 0.25;
  if (!(c > 0)) throw new Error(`theta neuron needs drive > 1/4, got ${k.drive}`);
  return (k.tau * Math.PI) / Math.sqrt(c);
}

/** Phi(V): phase of a voltage (V = -inf -> 0, V = +inf -> Theta). */
export function phaseOfVoltage(k: QifConstants, v: number): number {
  const s = Math.sqrt(k.drive - 0.25);
  return (k.tau / s) * (Math.atan((v - 0.5) / s) + Math.PI / 2);
}

export function voltageOfPhase(k: QifConstants, phi: number): number {
  const s = Math.sqrt(k.drive - 0.25);
  return 0.5 + s * Math.tan((phi * s) / k.tau - Math.PI / 2);
}

/** dPhi/dV at V. */
function phaseSlope(k: QifConstants, v: number): number {
  const s2 = k.drive - 0.25;
  return k.tau / (s2 + (v - 0.5) * (v - 0.5));
}

/** Phase response H(phi, w) and its partial derivatives. */
export function phaseResponse(k: QifConstants, phi: number, w: number): { phase: number; dPhi: number; dW: number } {
  const v = voltageOfPhase(k, phi);
  const after = phaseSlope(k, v + w);
  return { phase: phaseOfVoltage(k, v + w), dPhi: after / phaseSlope(k, v), dW: after };
}

export interface ThetaOutput {
  /** First `count` output times (ordinary spikes, then pseudospikes). */
  times: Float64Array;
  /** d times[m] / d params, row-major [count][nInputs + 1]; the last column is the initial phase. */
  grads: Float64Array;
  /** Number of ordinary spikes in [0, T] among the outputs (and in total). */
  ordinary: number;
  totalOrdinary: number;
  /** Phase at the trial end. */
  phaseAtEnd: number;
}

/**
 * Spike times of one theta neuron driven by input pulses (sorted times, one weight per input), with exact
 * gradients. Implemented through psi = t - phi (the time at which the phase was last 0).
 */
export function thetaSpikeTimes(
  k: QifConstants,
  phi0: number,
  inputTimes: ArrayLike<number>,
  weights: ArrayLike<number>,
  trialEnd: number,
  count: number,
): ThetaOutput {
  const theta = thetaPeriod(k);
  const nP = weights.length + 1;
  let psi = -phi0;
  const dpsi = new Float64Array(nP);
  dpsi[nP - 1] = -1;
  const times = new Float64Array(count);
  const grads = new Float64Array(count * nP);
  let emitted = 0;
  let totalOrdinary = 0;
  const emit = (): void => {
    if (emitted < count) {
      times[emitted] = psi + theta;
      grads.set(dpsi, emitted * nP);
      emitted++;
    }
    psi += theta;
  };
  for (let i = 0; i < inputTimes.length; i++) {
    const ti = inputTimes[i]!;
    if (ti > trialEnd) break;
    while (psi + theta <= ti) {
      emit();
      totalOrdinary++;
    }
    const r = phaseResponse(k, ti - psi, weights[i]!);
    // phi' = H(ti - psi, w);  psi' = ti - phi'
    for (let p = 0; p < nP; p++) dpsi[p] = r.dPhi * dpsi[p]!;
    dpsi[i]! -= r.dW;
    psi = ti - r.phase;
  }
  while (psi + theta <= trialEnd) {
    emit();
    totalOrdinary++;
  }
  const ordinary = emitted;
  const phaseAtEnd = trialEnd - psi;
  while (emitted < count) emit(); // pseudospikes: free oscillation after T
  return { times, grads, ordinary, totalOrdinary, phaseAtEnd };
}

/** Mean squared spike-time error and its gradient (length nInputs + 1). */
export function spikeTimeLoss(out: ThetaOutput, targets: ArrayLike<number>, nParams: number): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(nParams);
  let loss = 0;
  const n = targets.length;
  for (let m = 0; m < n; m++) {
    const e = out.times[m]! - targets[m]!;
    loss += (e * e) / n;
    for (let p = 0; p < nParams; p++) grad[p]! += ((2 * e) / n) * out.grads[m * nParams + p]!;
  }
  return { loss, grad };
}
