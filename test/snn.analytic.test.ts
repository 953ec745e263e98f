import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.ts";
import { createKernelNet } from "../src/snn/kernel.ts";
import { buildLayout, initParams } from "../src/snn/layout.ts";
import { plasticTerm, type TermInputs } from "../src/snn/rules.ts";
import { parseNetworkSpec } from "../src/snn/spec.ts";

/** One hidden neuron driven only by its bias current (no input spikes, no recurrence). */
function singleNeuron(neuron: Record<string, unknown>, dt: number) {
  const spec = parseNetworkSpec({
    dt,
    encoder: { kind: "direct", size: 1 },
    hidden: { size: 1, neuron },
    projections: { input: { plastic: false }, recurrent: { enabled: false } },
    decoder: { kind: "leaky", size: 1 },
  });
  const params = initParams(spec, 1);
  const layout = buildLayout(spec);
  layout.view(params, "encoder.bias").fill(0);
  layout.view(params, "encoder.gain").fill(0);
  const net = createKernelNet(spec, params, 1);
  const bias = layout.view(params, "hidden.bias");
  const inp = new Float32Array(1), out = new Float32Array(1);
  return { net, bias, step: () => net.step(inp, out) };
}

function spikeTimes(n: ReturnType<typeof singleNeuron>, steps: number): number[] {
  const times: number[] = [];
  for (let t = 0; t < steps; t++) {
    n.step();
    if (n.net.hiddenSpikes[0]) times.push(t);
  }
  return times;
}

describe("LIF", () => {
  it("membrane decays as exp(-t/tau) (within 2%)", () => {
    const n = singleNeuron({ model: "lif", tau: 20, threshold: 1 }, 1);
    n.bias[0] = 0.5;
    n.step();
    n.bias[0] = 0;
    for (let t = 1; t <= 60; t++) {
      n.step();
      const expected = 0.5 * Math.exp(-t / 20);
      expect(Math.abs(n.net.hiddenVoltage[0]! - expected) / expected).toBeLessThan(0.02);
    }
  });

  for (const refractoryMs of [0, 2]) {
    it(`firing rate under constant current matches 1/(t_ref + tau ln(v_inf/(v_inf - theta))) within 2% (t_ref ${refractoryMs} ms)`, () => {
      const dt = 0.05, tau = 20;
      const n = singleNeuron({ model: "lif", tau, threshold: 1, reset: "zero", refractory: Math.round(refractoryMs / dt) }, dt);
      const vInf = 1.5;
      n.bias[0] = vInf * (1 - Math.exp(-dt / tau)); // v <- beta v + I has fixed point I/(1-beta)
      const steps = Math.round(2000 / dt);
      const times = spikeTimes(n, steps);
      const rate = times.length / 2; // per second
      const theory = 1000 / (refractoryMs + tau * Math.log(vInf / (vInf - 1)));
      expect(Math.abs(rate - theory) / theory).toBeLessThan(0.02);
    });
  }
});

/** Izhikevich (2003) ODE integrated with RK4 at 1 us: the textbook count the Euler engine must reproduce. */
function izhikevichRk4(p: { a: number; b: number; c: number; d: number }, I: number, ms: number): number[] {
  const h = 0.001;
  let v = p.c, u = p.b * p.c;
  const fv = (vv: number, uu: number) => 0.04 * vv * vv + 5 * vv + 140 - uu + I;
  const fu = (vv: number, uu: number) => p.a * (p.b * vv - uu);
  const times: number[] = [];
  for (let k = 0; k < ms / h; k++) {
    const k1v = fv(v, u), k1u = fu(v, u);
    const k2v = fv(v + (h / 2) * k1v, u + (h / 2) * k1u), k2u = fu(v + (h / 2) * k1v, u + (h / 2) * k1u);
    const k3v = fv(v + (h / 2) * k2v, u + (h / 2) * k2u), k3u = fu(v + (h / 2) * k2v, u + (h / 2) * k2u);
    const k4v = fv(v + h * k3v, u + h * k3u), k4u = fu(v + h * k3v, u + h * k3u);
    v += (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
    u += (h / 6) * (k1u + 2 * k2u + 2 * k3u + k4u);
    if (v >= 30) { times.push(k * h); v = p.c; u += p.d; }
  }
  return times;
}

describe("Izhikevich", () => {
  const sets = {
    regularSpiking: { a: 0.02, b: 0.2, c: -65, d: 8 },
    fastSpiking: { a: 0.1, b: 0.2, c: -65, d: 2 },
  };
  const counts: Record<string, number> = {};
  for (const [name, p] of Object.entries(sets)) {
    it(`${name} (I = 10, 1 s) (Euler, dt 0.02 ms) gives the RK4 textbook spike count within 3%`, () => {
      const dt = 0.02;
      const n = singleNeuron({ model: "izhikevich", ...p, inputScale: 1 }, dt);
      n.bias[0] = 10;
      const times = spikeTimes(n, Math.round(1000 / dt));
      const textbook = izhikevichRk4(p, 10, 1000).length;
      counts[name] = times.length;
      expect(Math.abs(times.length - textbook) / textbook).toBeLessThanOrEqual(0.03);
      const isi = times.slice(1).map((t, k) => (t - times[k]!) * dt);
      if (name === "regularSpiking") expect(isi[isi.length - 1]!).toBeGreaterThan(1.5 * isi[0]!); // adaptation
      else expect(isi[isi.length - 1]!).toBeLessThan(1.35 * isi[1]!); // little adaptation
    });
  }
  it("fast spiking fires at least twice as often as regular spiking", () => {
    expect(counts.fastSpiking!).toBeGreaterThan(2 * counts.regularSpiking!);
  });
});

const term0: TermInputs = { x: 0, y: 0, h: 0, preTrace: 0, postTrace: 0, rate: 0, theta: 0, aPlus: 1, aMinus: 1 };

describe("plasticity rules", () => {
  it("Oja's rule converges to the principal component of a 2-D Gaussian (angle < 5 degrees)", () => {
    const rng = new Rng(11);
    // covariance [[3, 1.2], [1.2, 1]] via Cholesky
    const L = [[Math.sqrt(3), 0], [1.2 / Math.sqrt(3), Math.sqrt(1 - 1.44 / 3)]];
    const w = [0.3, -0.8];
    for (let k = 0; k < 40000; k++) {
      const g0 = rng.normal(), g1 = rng.normal();
      const x = [L[0]![0]! * g0, L[1]![0]! * g0 + L[1]![1]! * g1];
      const y = w[0]! * x[0]! + w[1]! * x[1]!;
      for (let i = 0; i < 2; i++) w[i] = w[i]! + 0.002 * plasticTerm("oja", { ...term0, x: x[i]!, y, h: w[i]! });
    }
    const tr = 4, det = 3 - 1.44;
    const lambda = tr / 2 + Math.sqrt((tr * tr) / 4 - det);
    const pc = [1.2, lambda - 3];
    const cos = Math.abs(w[0]! * pc[0]! + w[1]! * pc[1]!) / (Math.hypot(w[0]!, w[1]!) * Math.hypot(pc[0]!, pc[1]!));
    expect((Math.acos(Math.min(1, cos)) * 180) / Math.PI).toBeLessThan(5);
    expect(Math.hypot(w[0]!, w[1]!)).toBeCloseTo(1, 1);
  });

  it("BCM develops selectivity: the neuron ends up responding to one of two patterns", () => {
    const rng = new Rng(5);
    const patterns = [[1, 0.3], [0.3, 1]];
    const w = [0.5, 0.52];
    let theta = 0;
    for (let k = 0; k < 60000; k++) {
      const x = patterns[rng.int(2)]!;
      const y = Math.max(0, w[0]! * x[0]! + w[1]! * x[1]!);
      theta += 0.01 * (y * y - theta);
      for (let i = 0; i < 2; i++) w[i] = w[i]! + 0.005 * plasticTerm("bcm", { ...term0, x: x[i]!, rate: y, theta });
    }
    const resp = patterns.map((p) => Math.max(0, w[0]! * p[0]! + w[1]! * p[1]!));
    const selectivity = 1 - Math.min(...resp) / Math.max(...resp);
    expect(selectivity).toBeGreaterThan(0.9);
    expect(Math.max(...resp)).toBeGreaterThan(0.1);
  });
});

/** Two encoder inputs onto one hidden LIF: input 0 is the measured plastic synapse (W = 0, alpha = 0),
 *  input 1 drives the hidden neuron to spike in the same step. */
function stdpRig(extra: Record<string, unknown> = {}) {
  const spec = parseNetworkSpec({
    encoder: { kind: "direct", size: 2, tau: 1 },
    hidden: { size: 1, neuron: { model: "lif", tau: 2, threshold: 1, reset: "zero" } },
    projections: { recurrent: { enabled: false } },
    plasticity: { rule: "stdp", tauPlus: 20, tauMinus: 10, ...extra },
    decoder: { kind: "leaky", size: 1 },
  });
  const params = initParams(spec, 3);
  const lay = buildLayout(spec);
  lay.view(params, "encoder.gain").fill(2);
  lay.view(params, "encoder.bias").fill(0);
  lay.view(params, "input.W").set([0, 5]);
  lay.view(params, "input.alpha").fill(0);
  lay.view(params, "input.eta").fill(1);
  return { spec, params, lay };
}

function stdpPairing(preStep: number, postStep: number): number {
  const { spec, params } = stdpRig();
  const net = createKernelNet(spec, params, 1);
  const out = new Float32Array(1);
  for (let t = 0; t < 60; t++) {
    net.step(new Float32Array([t === preStep ? 1 : 0, t === postStep ? 1 : 0]), out);
  }
  return net.plasticTrace("input", 0)![0]!;
}

describe("pair STDP in the kernel engine", () => {
  it("potentiates pre-before-post by A+ exp(-dt/tau+) and depresses post-before-pre by A- exp(-dt/tau-)", () => {
    for (const d of [1, 5, 10, 20]) {
      expect(stdpPairing(10, 10 + d)).toBeCloseTo(Math.exp(-d / 20), 5);
      expect(stdpPairing(10 + d, 10)).toBeCloseTo(-Math.exp(-d / 10), 5);
    }
    expect(stdpPairing(10, 10)).toBe(0);
    expect(stdpPairing(40, 45) / stdpPairing(40, 50)).toBeCloseTo(Math.exp(5 / 20), 4);
  });
});

describe("neuromodulation gating", () => {
  function modulatedRun(m: number) {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 3 },
      hidden: { size: 8, neuron: { model: "lif", tau: 10 } },
      plasticity: { rule: "hebb", modulated: true, fanout: "scalar" },
      decoder: { kind: "leaky", size: 2 },
    });
    const params = initParams(spec, 9);
    const lay = buildLayout(spec);
    lay.view(params, "input.alpha").fill(0); // H must not feed back, so the spike trains are the same for every m
    lay.view(params, "recurrent.alpha").fill(0);
    lay.view(params, "input.W").forEach((_, k, a) => (a[k] = Math.abs(a[k]!) + 0.3));
    lay.view(params, "modulator.w").fill(0);
    lay.view(params, "modulator.b").fill(Math.atanh(m));
    const net = createKernelNet(spec, params, 1);
    const out = new Float32Array(2);
    let spikes = 0;
    for (let t = 0; t < 200; t++) {
      net.step(new Float32Array([1, 0.5, 0.8]), out);
      spikes += net.hiddenSpikes.reduce((s, v) => s + v, 0);
    }
    return { H: Float32Array.from(net.plasticTrace("input", 0)!), spikes, m: net.modulator[0]! };
  }
  it("M = 0 leaves H unchanged; the sign of M flips the sign of the update", () => {
    const zero = modulatedRun(0), pos = modulatedRun(0.5), neg = modulatedRun(-0.5);
    expect(zero.spikes).toBeGreaterThan(50);
    expect(zero.H.every((h) => h === 0)).toBe(true);
    expect(pos.m).toBeCloseTo(0.5, 6);
    const norm = pos.H.reduce((s, h) => s + Math.abs(h), 0);
    expect(norm).toBeGreaterThan(0.1);
    pos.H.forEach((h, k) => expect(neg.H[k]).toBeCloseTo(-h, 6));
  });
});
