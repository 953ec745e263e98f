import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { EpropNetwork, type EpropNetConfig, type EpropParams, initEpropParams } from "../../../src/lab/eprop/network.ts";
import { type NeuronModel, defaultNeuronParams } from "../../../src/lab/eprop/neurons.ts";

function config(model: NeuronModel, nIn: number, nRec: number, extra: Partial<EpropNetConfig> = {}): EpropNetConfig {
  return { neuron: defaultNeuronParams(model), nIn, nRec, nOut: 1, tauOut: 20, feedback: "symmetric", recurrent: false, ...extra };
}

function poissonInputs(seed: number, steps: number, nIn: number, p: number): Float32Array {
  const rng = new Rng(seed);
  const xs = new Float32Array(steps * nIn);
  for (let k = 0; k < xs.length; k++) xs[k] = rng.uniform() < p ? 1 : 0;
  return xs;
}

interface Trace { v: Float64Array; u: Float64Array; spikes: string }

function run(c: EpropNetConfig, p: EpropParams, xs: Float32Array, steps: number, onStep?: (net: EpropNetwork, t: number) => void): Trace {
  const net = new EpropNetwork(c, p);
  const v = new Float64Array(steps * c.nRec), u = new Float64Array(steps * c.nRec);
  let spikes = "";
  for (let t = 0; t < steps; t++) {
    net.step(xs.subarray(t * c.nIn, (t + 1) * c.nIn));
    for (let j = 0; j < c.nRec; j++) {
      v[t * c.nRec + j] = net.v[j];
      u[t * c.nRec + j] = net.u[j];
      spikes += net.z[j] ? "1" : "0";
    }
    onStep?.(net, t);
  }
  return { v, u, spikes };
}

function copyParams(p: EpropParams): EpropParams {
  return { wIn: p.wIn.slice(), wRec: p.wRec.slice(), wOut: p.wOut.slice(), bOut: p.bOut.slice() };
}

/**
 * With the spike train unchanged by a small weight change, the eligibility vector is exactly the
 * derivative of the hidden state (v, u) with respect to the weight (the e-prop recursion is the
 * forward-mode Jacobian product); central finite differences must match it.
 */
function finiteDifferenceCheck(model: NeuronModel, inScale: number, rate: number, h: number, checkU: boolean) {
  const nIn = 6, nRec = 3, steps = 150;
  const c = config(model, nIn, nRec);
  const p = initEpropParams(c, 11, { in: inScale });
  const xs = poissonInputs(5, steps, nIn, rate);
  const epsV = new Float64Array(steps * nRec * nIn), epsU = new Float64Array(steps * nRec * nIn);
  const base = run(c, p, xs, steps, (net, t) => {
    for (let k = 0; k < nRec * nIn; k++) {
      epsV[t * nRec * nIn + k] = net.epsVIn[k];
      epsU[t * nRec * nIn + k] = net.epsUIn[k];
    }
  });
  expect(base.spikes).toContain("1");
  let compared = 0, maxRel = 0;
  for (let k = 0; k < nRec * nIn; k++) {
    const plus = copyParams(p), minus = copyParams(p);
    plus.wIn[k] += h;
    minus.wIn[k] -= h;
    const a = run(c, plus, xs, steps), b = run(c, minus, xs, steps);
    expect(a.spikes).toBe(base.spikes);
    expect(b.spikes).toBe(base.spikes);
    const j = Math.floor(k / nIn);
    // Derivative of the actually stored (float32) weight change.
    const dw = (Math.fround(p.wIn[k] + h) - Math.fround(p.wIn[k] - h));
    let scaleV = 1, scaleU = 1;
    for (let t = 0; t < steps; t++) {
      scaleV = Math.max(scaleV, Math.abs(epsV[t * nRec * nIn + k]));
      scaleU = Math.max(scaleU, Math.abs(epsU[t * nRec * nIn + k]));
    }
    for (let t = 0; t < steps; t++) {
      const fdV = (a.v[t * nRec + j] - b.v[t * nRec + j]) / dw;
      const fdU = (a.u[t * nRec + j] - b.u[t * nRec + j]) / dw;
      const ev = epsV[t * nRec * nIn + k], eu = epsU[t * nRec * nIn + k];
      maxRel = Math.max(maxRel, Math.abs(fdV - ev) / scaleV);
      if (checkU) maxRel = Math.max(maxRel, Math.abs(fdU - eu) / scaleU);
      compared++;
    }
  }
  return { compared, maxRel };
}

describe("e-prop eligibility vectors vs finite differences (exact where spikes do not move)", () => {
  it("LIF: eps = dv/dW", () => {
    const r = finiteDifferenceCheck("lif", 3, 0.15, 2e-3, false);
    expect(r.compared).toBeGreaterThan(1000);
    expect(r.maxRel).toBeLessThan(2e-3);
  });
  it("STDP-LIF: eps = dv/dW with the wipe at the spike and at refractory end", () => {
    const r = finiteDifferenceCheck("stdpLif", 3, 0.15, 2e-3, false);
    expect(r.maxRel).toBeLessThan(2e-3);
  });
  it("Izhikevich: both components eps^v = dv/dW and eps^u = du/dW", () => {
    // Float32 state near the spike upswing (v ~ 100) limits FD accuracy to about 1 %.
    const r = finiteDifferenceCheck("izhikevich", 40, 0.2, 1e-2, true);
    expect(r.maxRel).toBeLessThan(2e-2);
  });
  it("ALIF: the membrane component eps^v = dv/dW", () => {
    const r = finiteDifferenceCheck("alif", 3, 0.15, 5e-4, false);
    expect(r.maxRel).toBeLessThan(2e-3);
  });
});

describe("e-prop eligibility recursions vs analytic cases", () => {
  it("LIF: one input spike gives eps_t = alpha^(t - t0) and e = psi * eps", () => {
    const c = config("lif", 1, 1);
    const p = initEpropParams(c, 1);
    p.wIn[0] = 0.2; // subthreshold
    const net = new EpropNetwork(c, p);
    const t0 = 3;
    for (let t = 0; t < 30; t++) {
      net.step([t === t0 ? 1 : 0]);
      const expected = t >= t0 ? net.alpha ** (t - t0) : 0;
      expect(net.epsVIn[0]).toBeCloseTo(expected, 6);
      expect(net.v[0]).toBeCloseTo(0.2 * expected, 6);
      const psi = 0.3 * Math.max(0, 1 - Math.abs(net.v[0] - 1));
      expect(net.psi[0]).toBeCloseTo(psi, 6);
      expect(net.eIn[0]).toBeCloseTo(psi * expected, 6);
    }
  });

  it("ALIF: eps^a follows psi * eps^v + (rho - psi * beta) * eps^a, e = psi (eps^v - beta eps^a)", () => {
    const c = config("alif", 1, 1);
    const p = initEpropParams(c, 1);
    p.wIn[0] = 0.7;
    const net = new EpropNetwork(c, p);
    let epsV = 0, epsA = 0, psiPrev = 0, sawSpike = false, sawNegative = false;
    for (let t = 0; t < 80; t++) {
      const x = t % 4 === 0 ? 1 : 0;
      net.step([x]);
      const nextA = psiPrev * epsV + (net.rho - psiPrev * 0.5) * epsA;
      epsV = net.alpha * epsV + x;
      epsA = nextA;
      psiPrev = net.psi[0];
      expect(net.epsVIn[0]).toBeCloseTo(epsV, 4);
      expect(net.epsUIn[0]).toBeCloseTo(epsA, 4);
      expect(net.eIn[0]).toBeCloseTo(net.psi[0] * (epsV - 0.5 * epsA), 4);
      sawSpike ||= net.z[0] === 1;
      sawNegative ||= epsV - 0.5 * epsA < epsV - 1e-3;
    }
    expect(sawSpike).toBe(true);
    expect(sawNegative).toBe(true); // adaptation lowers the trace after spikes
  });

  it("STDP-LIF: refractory steps give psi = -gamma, and the trace is wiped at the spike and at refractory end", () => {
    const c = config("stdpLif", 2, 1);
    const p = initEpropParams(c, 1);
    p.wIn[0] = 0.3; // weak, observed synapse
    p.wIn[1] = 1; // driver forces a spike near threshold (psi > 0)
    const net = new EpropNetwork(c, p);
    net.step([1, 0]);
    expect(net.epsVIn[0]).toBeCloseTo(1, 6);
    net.step([0, 1]); // spike at t = 1
    expect(net.z[0]).toBe(1);
    expect(net.epsVIn[0]).toBeCloseTo(net.alpha, 6);
    expect(net.eIn[0]).toBeGreaterThan(0); // pre before post: positive
    net.step([1, 0]); // refractory, pre after post
    expect(net.epsVIn[0]).toBeCloseTo(1, 6); // wiped by the spike, then the new input
    expect(net.psi[0]).toBeCloseTo(-0.3, 6);
    expect(net.eIn[0]).toBeLessThan(0); // post before pre: negative (LTD)
    net.step([0, 0]);
    net.step([0, 0]); // last refractory step
    expect(net.psi[0]).toBeCloseTo(-0.3, 6);
    net.step([0, 0]);
    expect(net.epsVIn[0]).toBe(0); // wiped at refractory end
    expect(net.v[0]).toBe(0);
    expect(net.psi[0]).toBe(0);
  });

  it("Izhikevich: the post spike wipes eps^v, and eps^u then drives it negative", () => {
    const c = config("izhikevich", 2, 1);
    const p = initEpropParams(c, 1);
    p.wIn[0] = 1;
    p.wIn[1] = 200;
    const net = new EpropNetwork(c, p);
    for (let t = 0; t < 20; t++) net.step([1, 0]);
    expect(net.epsVIn[0]).toBeGreaterThan(0);
    expect(net.epsUIn[0]).toBeGreaterThan(0);
    let t = 0;
    while (!net.z[0] && t++ < 200) net.step([0, 1]);
    expect(net.z[0]).toBe(1);
    const epsU = net.epsUIn[0];
    net.step([0, 0]);
    // eps^v <- 0 * eps^v - dt * eps^u (+ no input), eps^u <- (1 - dt a) eps^u
    expect(net.epsVIn[0]).toBeCloseTo(-0.5 * epsU, 5);
    expect(net.epsUIn[0]).toBeCloseTo((1 - 0.5 * 0.02) * epsU, 5);
    expect(net.epsVIn[0]).toBeLessThan(0);
  });
});

describe("readout gradients", () => {
  it("dE/dW_out and dE/db match central finite differences of the loss (exact: spikes do not depend on them)", () => {
    const c: EpropNetConfig = { ...config("lif", 5, 4), nOut: 2 };
    const p = initEpropParams(c, 3, { in: 4 });
    const steps = 60;
    const xs = poissonInputs(9, steps, c.nIn, 0.2);
    const targets = new Float32Array(steps * 2).map((_, k) => Math.sin(k * 0.1));
    const lossOf = (q: EpropParams) => {
      const net = new EpropNetwork(c, q);
      for (let t = 0; t < steps; t++) {
        net.step(xs.subarray(t * c.nIn, (t + 1) * c.nIn));
        net.supervise(targets.subarray(t * 2, t * 2 + 2));
      }
      return net;
    };
    const net = lossOf(p);
    const h = 1e-2;
    for (const [key, n] of [["wOut", 8], ["bOut", 2]] as const) {
      for (let k = 0; k < n; k++) {
        const a = copyParams(p), b = copyParams(p);
        a[key][k] += h;
        b[key][k] -= h;
        const fd = (lossOf(a).loss - lossOf(b).loss) / (2 * h);
        expect(Math.abs(net.grads[key][k] - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      }
    }
  });
});
