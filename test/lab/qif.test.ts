import { describe, expect, it } from "vitest";
import { qifFlow, qifSimulate, qifTimeToSpike, type QifConstants } from "../../src/lab/qif/qif.ts";
import { phaseOfVoltage, phaseResponse, spikeTimeLoss, thetaPeriod, thetaSpikeTimes, voltageOfPhase } from "../../src/lab/qif/theta.ts";

/** RK4 for tau V' = V(V-1) + I0. */
function rk4(k: QifConstants, v0: number, t: number, n = 20000): number {
  let v = v0;
  const h = t / n;
  const f = (x: number) => (x * (x - 1) + k.drive) / k.tau;
  for (let s = 0; s < n; s++) {
    const k1 = f(v);
    const k2 = f(v + (h / 2) * k1);
    const k3 = f(v + (h / 2) * k2);
    const k4 = f(v + h * k3);
    v += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return v;
}

describe("QIF closed-form dynamics", () => {
  const cases: Array<[string, QifConstants, number, number]> = [
    ["oscillatory (theta) I0 > 1/4", { tau: 1, drive: 0.4 }, -0.5, 1.5],
    ["critical I0 = 1/4", { tau: 2, drive: 0.25 }, 0.8, 2],
    ["excitable, below the unstable point", { tau: 1, drive: 0.1 }, 0.4, 3],
    ["excitable, above the unstable point", { tau: 1, drive: 0.1 }, 0.95, 0.5],
    ["excitable, below the stable point", { tau: 1, drive: 0.1 }, -1, 2],
  ];
  for (const [name, k, v0, t] of cases) {
    it(`flow matches RK4: ${name}`, () => {
      expect(qifFlow(k, v0, t)).toBeCloseTo(rk4(k, v0, t), 8);
    });
  }

  it("the next spike time is where V blows up", () => {
    for (const [k, v0] of [[{ tau: 1, drive: 0.4 }, -0.5], [{ tau: 1, drive: 0.1 }, 1.2], [{ tau: 2, drive: 0.25 }, 0.9]] as const) {
      const ts = qifTimeToSpike(k, v0);
      expect(Number.isFinite(ts)).toBe(true);
      // Just before ts the voltage is huge and positive; ~tau/V before the blow-up V is about V.
      expect(qifFlow(k, v0, ts - 1e-6)).toBeGreaterThan(1e5);
      expect(rk4(k, v0, ts - k.tau / 100, 200000)).toBeCloseTo(qifFlow(k, v0, ts - k.tau / 100), 3);
    }
    expect(qifTimeToSpike({ tau: 1, drive: 0.1 }, 0.5)).toBe(Infinity);
    expect(qifTimeToSpike({ tau: 1, drive: 0.4 }, -Infinity)).toBeCloseTo(thetaPeriod({ tau: 1, drive: 0.4 }), 12);
  });

  it("theta phase form reproduces the QIF voltage simulation spike by spike", () => {
    const k = { tau: 1, drive: 0.3 };
    const inputs = [0.5, 1.7, 2.2, 4, 6.5, 7];
    const weights = [0.4, -0.3, 1.2, 0.8, 2, -0.5];
    const T = 12;
    const voltage = qifSimulate(k, voltageOfPhase(k, 1.0), inputs, weights, T);
    const phase = thetaSpikeTimes(k, 1.0, inputs, weights, T, 10);
    expect(voltage.length).toBeGreaterThanOrEqual(2);
    expect(phase.totalOrdinary).toBe(voltage.length);
    for (let m = 0; m < voltage.length; m++) expect(phase.times[m]).toBeCloseTo(voltage[m], 9);
    expect(phaseOfVoltage(k, voltageOfPhase(k, 2.3))).toBeCloseTo(2.3, 12);
    const r = phaseResponse(k, 2.3, 0);
    expect(r.phase).toBeCloseTo(2.3, 12);
    expect(r.dPhi).toBeCloseTo(1, 12);
  });
});

/**
 * Fine RK4 reference for the event-driven QIF with delta inputs: a spike when V passes +Vc, counted at
 * t + tau/Vc (the remaining time to +inf, to O(tau/Vc^2)); restart at -Vc after tau/Vc (the time from -inf).
 */
function qifReference(k: QifConstants, v0: number, inputs: number[], weights: number[], T: number): number[] {
  const Vc = 2e3;
  const f = (x: number) => (x * (x - 1) + k.drive) / k.tau;
  const spikes: number[] = [];
  let v = v0, t = 0, next = 0;
  while (t < T) {
    while (next < inputs.length && inputs[next]! <= t) v += weights[next++]!;
    const stop = Math.min(T, next < inputs.length ? inputs[next]! : T);
    const h = Math.min(1e-3, 0.02 * k.tau / (Math.abs(v) + 1), stop - t);
    const k1 = f(v), k2 = f(v + (h / 2) * k1), k3 = f(v + (h / 2) * k2), k4 = f(v + h * k3);
    v += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    t += h;
    if (v >= Vc) {
      const remaining = k.tau / v; // time from v to +inf
      spikes.push(t + remaining);
      v = -Vc;
      t += remaining + k.tau / Vc; // then from -inf to -Vc
    }
  }
  return spikes.filter((s) => s <= T);
}

describe("QIF event-driven simulation in every regime", () => {
  const inputs = [0.5, 1.2, 3, 3.4, 6, 7.5, 9, 11];
  const weights = [0.6, 0.5, 1.1, -0.4, 1.5, 0.9, 1.3, 0.8];
  for (const [name, k, v0] of [
    ["excitable I0 < 1/4 (input pulses push V past the unstable point)", { tau: 1, drive: 0.1 }, 0],
    ["critical I0 = 1/4", { tau: 1, drive: 0.25 }, 0],
    ["oscillatory I0 > 1/4", { tau: 1, drive: 0.35 }, -1],
  ] as const) {
    it(`spike times match a fine RK4 integration: ${name}`, () => {
      const exact = qifSimulate(k, v0, inputs, weights, 14);
      const ref = qifReference(k, v0, inputs, weights, 14);
      expect(exact.length).toBeGreaterThanOrEqual(2);
      expect(exact.length).toBe(ref.length);
      for (let m = 0; m < ref.length; m++) expect(Math.abs(exact[m]! - ref[m]!)).toBeLessThan(2e-3);
    });
  }

  it("excitable regime: after a spike V restarts at -inf and settles at the stable point without input", () => {
    const k = { tau: 1, drive: 0.1 };
    const s = Math.sqrt(0.25 - 0.1);
    const spikes = qifSimulate(k, 0.5 + s + 0.2, [], [], 20);
    expect(spikes.length).toBe(1);
    expect(spikes[0]).toBeCloseTo(qifTimeToSpike(k, 0.5 + s + 0.2), 12);
    expect(qifFlow(k, -Infinity, 60)).toBeCloseTo(0.5 - s, 12); // stable fixed point
    expect(qifTimeToSpike(k, 0.5 - s)).toBe(Infinity);
  });
});

describe("theta spike-time gradients and pseudospikes", () => {
  const k = { tau: 1, drive: 0.25 + (Math.PI / 20) ** 2 };
  const inputs = [1, 2.5, 3, 4.2, 6, 7.5, 8.8];
  const T = 10;

  it("forward-mode spike-time gradients match finite differences (ordinary and pseudospikes)", () => {
    const weights = [0.3, 0.5, -0.2, 0.6, 0.4, 0.2, 0.3];
    const phi0 = 0.7;
    const out = thetaSpikeTimes(k, phi0, inputs, weights, T, 4);
    expect(out.ordinary).toBeGreaterThan(0);
    expect(out.ordinary).toBeLessThan(4);
    const nP = weights.length + 1;
    const h = 1e-6;
    for (let p = 0; p < nP; p++) {
      const plus = [...weights, phi0];
      const minus = [...weights, phi0];
      plus[p] += h;
      minus[p] -= h;
      const tp = thetaSpikeTimes(k, plus[nP - 1], inputs, plus.slice(0, -1), T, 4).times;
      const tm = thetaSpikeTimes(k, minus[nP - 1], inputs, minus.slice(0, -1), T, 4).times;
      for (let m = 0; m < 4; m++) expect(out.grads[m * nP + p]).toBeCloseTo((tp[m] - tm[m]) / (2 * h), 6);
    }
  });

  it("a silent neuron gets a gradient that pulls it into spiking", () => {
    const weights = [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
    const out = thetaSpikeTimes(k, 0, inputs, weights, T, 2);
    expect(out.totalOrdinary).toBe(0);
    expect(out.times[0]).toBeGreaterThan(T);
    const { grad } = spikeTimeLoss(out, [4, 7], weights.length + 1);
    // Increasing any excitatory weight advances the pseudospikes towards the targets.
    for (let i = 0; i < weights.length; i++) expect(grad[i]).toBeLessThan(0);
  });

  it("the output time is continuous when a spike slides past the trial end", () => {
    // Find the weight at which the last ordinary spike sits exactly at T, then look on both sides.
    const base = [0.3, 0.5, -0.2, 0.6, 0.4, 0.2, 0.3];
    const count = (a: number) => thetaSpikeTimes(k, 0.7, inputs, base.map((w) => a * w), T, 3);
    let lo = 0.2;
    let hi = 2;
    const n0 = count(lo).ordinary;
    expect(count(hi).ordinary).toBeGreaterThan(n0);
    while (hi - lo > 1e-13) {
      const mid = 0.5 * (lo + hi);
      if (count(mid).ordinary === n0) lo = mid;
      else hi = mid;
    }
    const below = count(lo);
    const above = count(hi);
    expect(above.ordinary).toBe(below.ordinary + 1);
    for (let m = 0; m < 3; m++) expect(Math.abs(above.times[m] - below.times[m])).toBeLessThan(1e-9);
  });
});
