import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { checkGradients } from "../../../src/lab/eventprop/gradcheck.ts";
import { adjointBack, lifNextCrossing, lifVoltage, pspIntegral, pspKernel, type LifConstants } from "../../../src/lab/eventprop/lif.ts";
import { backward, forward, initParams, lossAndGradient, zerosLike, type EventNetConfig, type LabelledSpikes } from "../../../src/lab/eventprop/network.ts";

const lif: LifConstants = { tauMem: 10, tauSyn: 5, threshold: 1 };

/** Explicit Euler reference for tau_m V' = -V + I, tau_s I' = -I with arrivals and reset. */
function eulerSpikes(c: LifConstants, arrivals: Array<[number, number]>, T: number, dt: number): number[] {
  let v = 0;
  let i = 0;
  let a = 0;
  const spikes: number[] = [];
  const sorted = [...arrivals].sort((x, y) => x[0] - y[0]);
  for (let t = 0; t < T; t += dt) {
    while (a < sorted.length && sorted[a][0] <= t) i += sorted[a++][1];
    const vNext = v + (dt * (i - v)) / c.tauMem;
    i += (-dt * i) / c.tauSyn;
    if (vNext >= c.threshold) {
      spikes.push(t + (dt * (c.threshold - v)) / (vNext - v));
      v = 0;
    } else v = vNext;
  }
  return spikes;
}

describe("closed-form LIF dynamics", () => {
  it("voltage matches an RK4 integration and the crossing lands on the threshold", () => {
    const v0 = 0.2;
    const i0 = 6;
    let v = v0;
    let i = i0;
    const h = 1e-3;
    for (let s = 0; s < 4000; s++) {
      const f = (vv: number, ii: number) => [(ii - vv) / lif.tauMem, -ii / lif.tauSyn];
      const k1 = f(v, i);
      const k2 = f(v + (h / 2) * k1[0], i + (h / 2) * k1[1]);
      const k3 = f(v + (h / 2) * k2[0], i + (h / 2) * k2[1]);
      const k4 = f(v + h * k3[0], i + h * k3[1]);
      v += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      i += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    }
    expect(lifVoltage(lif, v0, i0, 4)).toBeCloseTo(v, 10);
    const u = lifNextCrossing(lif, v0, i0, 100);
    expect(u).toBeGreaterThan(0);
    expect(lifVoltage(lif, v0, i0, u)).toBeCloseTo(1, 12);
    // A sub-threshold current never crosses.
    expect(lifNextCrossing(lif, 0, 1.5, 100)).toBe(-1);
    // The peak of a unit PSP (tau_m = 2 tau_s) is 1/4; its integral to infinity equals that of the current, tau_s.
    expect(Math.max(...Array.from({ length: 2000 }, (_, s) => pspKernel(lif, s * 0.01)))).toBeCloseTo(0.25, 5);
    expect(pspIntegral(lif, 1e4)).toBeCloseTo(lif.tauSyn, 8);
  });

  it("event-based spike times agree with a fine Euler simulation (multiple spikes per neuron)", () => {
    const arrivals: Array<[number, number]> = [[1, 4], [3, 3], [9, 2.5], [20, 6], [21, -1], [35, 5]];
    const config: EventNetConfig = { sizes: [6, 1, 1], lif, trialEnd: 60 };
    const params = initParams(config, 1);
    for (let k = 0; k < 6; k++) {
      params.w[0][k] = arrivals[k][1];
      params.d[0][k] = 0.5 * k;
    }
    const input = {
      times: Float64Array.from(arrivals, (a, k) => a[0] - 0.5 * k),
      neurons: Int32Array.from(arrivals, (_, k) => k),
    };
    const fwd = forward(config, params, input);
    const exact = fwd.layers[0].spikeTime;
    const ref = eulerSpikes(lif, arrivals, 60, 1e-4);
    expect(exact.length).toBeGreaterThanOrEqual(3);
    expect(exact.length).toBe(ref.length);
    for (let k = 0; k < ref.length; k++) expect(Math.abs(exact[k] - ref[k])).toBeLessThan(2e-3);
  });

  it("adjoint propagation solves the reverse-time ODE", () => {
    const out = new Float64Array(2);
    adjointBack(lif, 0.7, -0.3, 3, out);
    // Integrate -daV/dt = -aV/tm, -daI/dt = aV/tm - aI/ts backwards with small Euler steps in reverse time.
    let aV = 0.7;
    let aI = -0.3;
    const h = 1e-5;
    for (let s = 0; s < 3 / h; s++) {
      const dV = -aV / lif.tauMem;
      const dI = aV / lif.tauMem - aI / lif.tauSyn;
      aV += h * dV;
      aI += h * dI;
    }
    expect(out[0]).toBeCloseTo(aV, 5);
    expect(out[1]).toBeCloseTo(aI, 5);
  });
});

describe("EventProp adjoint", () => {
  it("the spike-time jump alone gives the implicit-function gradient of a single spike", () => {
    // One input spike -> one hidden spike at t_s -> readout. The hidden weight acts on the loss only
    // through t_s, i.e. only through the adjoint jump at the spike.
    const config: EventNetConfig = { sizes: [1, 1, 1], lif, trialEnd: 25 };
    const params = initParams(config, 1);
    const w1 = 6;
    const w2 = 2;
    const d2 = 3;
    params.w[0][0] = w1;
    params.d[0][0] = 1.5;
    params.w[1][0] = w2;
    params.d[1][0] = d2;
    const sample: LabelledSpikes = { times: Float64Array.of(2), neurons: Int32Array.of(0), label: 0 };
    const fwd = forward(config, params, sample);
    expect(fwd.layers[0].spikeTime.length).toBe(1);
    const ts = fwd.layers[0].spikeTime[0];
    const u = ts - 3.5;
    const kappa = pspKernel(lif, u);
    const dKappa = (pspKernel(lif, u + 1e-7) - pspKernel(lif, u - 1e-7)) / 2e-7;
    const dtsdw = -kappa / (w1 * dKappa);
    // With a single output the cross-entropy is constant, so drive the backward pass with dL/dm = g directly.
    const grads = zerosLike(params);
    const g = 0.8;
    // dL/dm = g, m = w2/T * P(T - ts - d2)  => dL/dts = -g w2/T kappa(T - ts - d2)
    const expected = ((-g * w2) / config.trialEnd) * pspKernel(lif, config.trialEnd - ts - d2) * dtsdw;
    backward(config, params, fwd, Float64Array.of(g), grads);
    expect(grads.w[0][0]).toBeCloseTo(expected, 8);
    expect(Math.abs(expected)).toBeGreaterThan(1e-4);
    // The input synapse's delay shifts t_s one-to-one: dL/dd = dL/dt_s.
    const dLdts = ((-g * w2) / config.trialEnd) * pspKernel(lif, config.trialEnd - ts - d2);
    expect(grads.d[0][0]).toBeCloseTo(dLdts, 12);
  });

  it("weight and delay gradients match central finite differences through two hidden layers", () => {
    const config: EventNetConfig = { sizes: [5, 7, 5, 3], lif, trialEnd: 70 };
    const params = initParams(config, 11, { weightScale: [1, 0.8, 1], weightMean: [1.1, 0.7, 0], delayRange: [0, 8] });
    const rng = new Rng(4);
    const n = 18;
    const spikes = Array.from({ length: n }, () => [rng.range(0, 35), rng.int(5)] as const).sort((a, b) => a[0] - b[0]);
    const sample: LabelledSpikes = { times: Float64Array.from(spikes, (s) => s[0]), neurons: Int32Array.from(spikes, (s) => s[1]), label: 2 };
    const fwd = forward(config, params, sample);
    expect(fwd.spikeCounts[0]).toBeGreaterThan(10);
    expect(fwd.spikeCounts[1]).toBeGreaterThan(10);
    for (const g of checkGradients(config, params, sample, 1)) {
      expect(g.gradNorm).toBeGreaterThan(0);
      expect(g.relError).toBeLessThan(1e-4);
    }
  });

  it("accumulates gradients over samples and reports the stored event count", () => {
    const config: EventNetConfig = { sizes: [2, 3, 2], lif, trialEnd: 40 };
    const params = initParams(config, 2, { weightMean: [3, 0], delayRange: [0, 4] });
    const sample: LabelledSpikes = { times: Float64Array.of(1, 4), neurons: Int32Array.of(0, 1), label: 1 };
    const once = zerosLike(params);
    const twice = zerosLike(params);
    const r = lossAndGradient(config, params, sample, 1, once);
    lossAndGradient(config, params, sample, 1, twice);
    lossAndGradient(config, params, sample, 1, twice);
    expect(r.storedValues).toBeGreaterThan(0);
    for (let s = 0; s < once.w[0].length; s++) expect(twice.w[0][s]).toBeCloseTo(2 * once.w[0][s], 12);
  });
});

describe("EventProp with the max-over-time readout", () => {
  /** Two inputs drive two hidden neurons (no cross-talk), each fires once; both reach every readout. */
  function twoBumps(readoutW: number[], config: EventNetConfig) {
    const params = initParams(config, 1);
    params.w[0].set([6, 0, 0, 6]);
    params.d[0].set([0.5, 0, 0, 0.3]);
    params.w[1].set(readoutW);
    params.d[1].set(readoutW.map((_, s) => 0.2 * s));
    const sample: LabelledSpikes = { times: Float64Array.of(1, 2.5), neurons: Int32Array.of(0, 1), label: 0 };
    return { params, sample };
  }

  it("the readout value is the exact maximum of the readout voltage (dense-grid check)", () => {
    const config: EventNetConfig = { sizes: [5, 7, 3], lif, trialEnd: 60, readout: "max" };
    const params = initParams(config, 5, { weightScale: [1, 1], weightMean: [1.2, 0], delayRange: [0, 8] });
    const rng = new Rng(9);
    const spikes = Array.from({ length: 15 }, () => [rng.range(0, 30), rng.int(5)] as const).sort((a, b) => a[0] - b[0]);
    const fwd = forward(config, params, { times: Float64Array.from(spikes, (x) => x[0]), neurons: Int32Array.from(spikes, (x) => x[1]) });
    expect(fwd.spikeCounts[0]).toBeGreaterThan(5);
    let kinks = 0;
    for (let k = 0; k < 3; k++) {
      const voltage = (t: number) => {
        let v = 0;
        for (let a = 0; a < fwd.outArrivalTime.length; a++) {
          const s = fwd.outArrivalSynapse[a];
          if (Math.floor(s / 7) === k) v += params.w[1][s] * pspKernel(lif, t - fwd.outArrivalTime[a]);
        }
        return v;
      };
      // coarse grid, then a fine grid around its best point (a maximum on a kink is only first-order in the step)
      let best = 0;
      let bestT = 0;
      for (let t = 0; t <= config.trialEnd; t += 1e-2) {
        const v = voltage(t);
        if (v > best) [best, bestT] = [v, t];
      }
      for (let t = Math.max(0, bestT - 2e-2); t <= Math.min(config.trialEnd, bestT + 2e-2); t += 1e-6) best = Math.max(best, voltage(t));
      expect(fwd.readout[k]).toBeGreaterThanOrEqual(best - 1e-12);
      expect(fwd.readout[k] - best).toBeLessThan(1e-7); // the fine step times the slope at a kink
      if (fwd.readoutKink[k] >= 0) kinks++;
    }
    expect(kinks).toBeGreaterThan(0); // this draw has a maximum on a kink as well as interior ones
  });

  it("weight and delay gradients match central finite differences through two hidden layers", () => {
    const config: EventNetConfig = { sizes: [5, 7, 5, 3], lif, trialEnd: 70, readout: "max" };
    for (const seed of [11, 12]) {
      const params = initParams(config, seed, { weightScale: [1, 0.8, 1], weightMean: [1.1, 0.7, 0], delayRange: [0, 8] });
      const rng = new Rng(seed + 100);
      const spikes = Array.from({ length: 18 }, () => [rng.range(0, 35), rng.int(5)] as const).sort((a, b) => a[0] - b[0]);
      const sample: LabelledSpikes = { times: Float64Array.from(spikes, (x) => x[0]), neurons: Int32Array.from(spikes, (x) => x[1]), label: 2 };
      const fwd = forward(config, params, sample);
      expect(fwd.spikeCounts[0]).toBeGreaterThan(10);
      expect(fwd.spikeCounts[1]).toBeGreaterThan(10);
      expect(Array.from(fwd.readoutTime).some((t) => t > 0 && t < config.trialEnd)).toBe(true);
      for (const g of checkGradients(config, params, sample, 1)) {
        expect(g.gradNorm).toBeGreaterThan(0);
        expect(g.relError).toBeLessThan(1e-4);
      }
    }
  });

  it("a maximum on the kink of an inhibitory arrival moves with that arrival (finite differences)", () => {
    // Readout 0: +4 from the first hidden spike, -6 from the second, which arrives while V is still rising.
    const config: EventNetConfig = { sizes: [2, 2, 2], lif, trialEnd: 30, readout: "max" };
    const { params, sample } = twoBumps([4, -6, 1, 2], config);
    const fwd = forward(config, params, sample);
    expect(fwd.spikeCounts[0]).toBe(2);
    const kink = fwd.readoutKink[0];
    expect(kink).toBeGreaterThanOrEqual(0);
    expect(fwd.readoutTime[0]).toBe(fwd.outArrivalTime[kink]);
    expect(fwd.readoutKinkSlope[0]).toBeGreaterThan(0);
    expect(fwd.readoutKink[1]).toBe(-1); // readout 1: an interior peak
    const checks = checkGradients(config, params, sample, 1);
    for (const g of checks) expect(g.relError).toBeLessThan(1e-6);
    // the inhibitory synapse's delay acts through the kink term: dL/dd = g * V'(t*-) != 0
    const grads = zerosLike(params);
    lossAndGradient(config, params, sample, 1, grads);
    expect(Math.abs(grads.d[1][1])).toBeGreaterThan(1e-3);
  });

  it("the mean readout hides the timing of early spikes; the max readout does not (the delay-sequence diagnosis)", () => {
    // Two overlapping bumps at ~5 and ~7, trial end 110, tau_m = 4: d(mean V)/dt ~ exp(-(T - t)/tau_m).
    const fast: LifConstants = { tauMem: 4, tauSyn: 2, threshold: 1 };
    const norms = (readout: "mean" | "max") => {
      const config: EventNetConfig = { sizes: [2, 2, 2], lif: fast, trialEnd: 110, readout };
      const { params, sample } = twoBumps([1, 1, 0.5, -0.3], config);
      params.w[0].set([8, 0, 0, 8]);
      const grads = zerosLike(params);
      lossAndGradient(config, params, sample, 1, grads);
      const l2 = (a: Float64Array) => Math.hypot(...a);
      return { hiddenW: l2(grads.w[0]), hiddenD: l2(grads.d[0]), readoutW: l2(grads.w[1]), readoutD: l2(grads.d[1]) };
    };
    const mean = norms("mean");
    const max = norms("max");
    expect(mean.readoutW).toBeGreaterThan(1e-3); // readout weights still learn: the PSP areas
    for (const g of [mean.hiddenW, mean.hiddenD, mean.readoutD]) expect(g).toBeLessThan(1e-8); // below Adam's eps
    for (const g of [max.hiddenW, max.hiddenD, max.readoutW, max.readoutD]) expect(g).toBeGreaterThan(1e-3);
  });
});
