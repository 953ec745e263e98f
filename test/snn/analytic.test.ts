import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.ts";
import { createKernelNet, KERNELS } from "../../src/snn/kernel.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { plasticTerm, type TermInputs } from "../../src/snn/rules.ts";
import { parseNetworkSpec } from "../../src/snn/spec.ts";

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
  // the kernel reads the parameter vector at creation and at setParams
  const setBias = (v: number) => { bias[0] = v; net.setParams(params); };
  return { net, setBias, step: () => net.step(inp, out) };
}

function spikeTimes(n: ReturnType<typeof singleNeuron>, steps: number): number[] {
  const times: number[] = [];
  for (let t = 0; t < steps; t++) {
    n.step();
    if (n.net.hiddenSpikes[0]) times.push(t);
  }
  return times;
}

/** Voltages and spike flags of a single neuron over `steps` steps (bias current only). */
function trace(n: ReturnType<typeof singleNeuron>, steps: number): { v: number[]; z: number[] } {
  const v: number[] = [], z: number[] = [];
  for (let t = 0; t < steps; t++) {
    n.step();
    v.push(n.net.hiddenVoltage[0]!);
    z.push(n.net.hiddenSpikes[0]!);
  }
  return { v, z };
}

const spikeSteps = (z: number[]): number[] => z.flatMap((s, t) => (s ? [t] : []));

describe("LIF", () => {
  // tau = 1e9 ms: the leak factor rounds to 1 in float32, so v climbs by the bias (0.3) every step.
  it("reset to zero clears v; reset by subtraction keeps v - threshold", () => {
    for (const reset of ["zero", "subtract"] as const) {
      const n = singleNeuron({ model: "lif", tau: 1e9, threshold: 1, reset }, 1);
      n.setBias(0.3);
      const { v, z } = trace(n, 8);
      expect(spikeSteps(z)).toEqual(reset === "zero" ? [3, 7] : [3, 6]);
      expect(v[2]).toBeCloseTo(0.9, 6);
      expect(v[3]).toBeCloseTo(reset === "zero" ? 0 : 0.2, 6);
      expect(v[4]).toBeCloseTo(reset === "zero" ? 0.3 : 0.5, 6);
    }
  });

  it("refractory period: r silent steps with v held after the reset, then integration resumes", () => {
    for (const [reset, held] of [["zero", 0], ["subtract", 0.2]] as const) {
      const n = singleNeuron({ model: "lif", tau: 1e9, threshold: 1, reset, refractory: 3 }, 1);
      n.setBias(0.3);
      const { v, z } = trace(n, 12);
      // spike at 3; steps 4-6 refractory; 7.. integrate again
      expect(spikeSteps(z)[0]).toBe(3);
      for (const t of [4, 5, 6]) expect(v[t]).toBeCloseTo(held, 6);
      expect(v[7]).toBeCloseTo(held + 0.3, 6);
      expect(spikeSteps(z)[1]).toBe(reset === "zero" ? 10 : 9);
    }
  });

  it("membrane decays as exp(-t/tau) (within 2%)", () => {
    const n = singleNeuron({ model: "lif", tau: 20, threshold: 1 }, 1);
    n.setBias(0.5);
    n.step();
    n.setBias(0);
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
      n.setBias(vInf * (1 - Math.exp(-dt / tau))); // v <- beta v + I has fixed point I/(1-beta)
      const steps = Math.round(2000 / dt);
      const times = spikeTimes(n, steps);
      const rate = times.length / 2; // per second
      const theory = 1000 / (refractoryMs + tau * Math.log(vInf / (vInf - 1)));
      expect(Math.abs(rate - theory) / theory).toBeLessThan(0.02);
    });
  }
});

describe("ALIF", () => {
  /** Non-leaky ALIF (tau 1e9) under bias I: v = I * (steps since the last spike); the threshold is
   *  A_t = threshold + beta * sum over earlier spikes s of rho^(t-1-s), rho = exp(-dt/tauAdapt). */
  function predicted(I: number, beta: number, tauAdapt: number, steps: number): number[] {
    const rho = Math.exp(-1 / tauAdapt);
    const times: number[] = [];
    let last = -1;
    for (let t = 0; t < steps; t++) {
      const A = 1 + beta * times.reduce((s, k) => s + rho ** (t - 1 - k), 0);
      if (I * (t - last) >= A) {
        times.push(t);
        last = t;
      }
    }
    return times;
  }

  it("the threshold rises by beta per spike and relaxes with tauAdapt: spike times match the closed form", () => {
    const n = singleNeuron({ model: "alif", tau: 1e9, threshold: 1, reset: "zero", beta: 0.5, tauAdapt: 20 }, 1);
    n.setBias(0.3);
    const times = spikeTimes(n, 300);
    expect(times).toEqual(predicted(0.3, 0.5, 20, 300));
    const isi = times.slice(1).map((t, k) => t - times[k]!);
    expect(times[0]).toBe(3); // the first spike is the LIF one: 0.3 * 4 >= 1
    expect(isi[0]).toBe(5); // then the threshold is 1 + 0.5 rho^(k-1): the LIF ISI (4) no longer reaches it
    expect(isi[isi.length - 1]!).toBeGreaterThan(isi[0]!); // spike-frequency adaptation
    for (let k = 1; k < isi.length; k++) expect(isi[k]!).toBeGreaterThanOrEqual(isi[k - 1]!);
  });

  it("beta = 0 is exactly LIF", () => {
    const a = singleNeuron({ model: "alif", tau: 20, threshold: 1, beta: 0, tauAdapt: 50 }, 1);
    const l = singleNeuron({ model: "lif", tau: 20, threshold: 1 }, 1);
    a.setBias(0.09);
    l.setBias(0.09);
    const ta = trace(a, 400), tl = trace(l, 400);
    expect(spikeSteps(ta.z).length).toBeGreaterThan(5);
    expect(ta).toEqual(tl);
  });
});

describe("STDP-aware LIF (stdpLif)", () => {
  it("clears v at the spike and again when refractoriness ends; integrates but cannot spike in between", () => {
    const n = singleNeuron({ model: "stdpLif", tau: 1e9, threshold: 1, refractory: 2 }, 1);
    n.setBias(0.3);
    const { v, z } = trace(n, 12);
    // spike at 3 (v = 0); step 4 refractory (v = 0.3, no spike); step 5 last refractory step (v cleared)
    expect(spikeSteps(z)).toEqual([3, 9]);
    expect(v[3]).toBe(0);
    expect(v[4]).toBeCloseTo(0.3, 6);
    expect(v[5]).toBe(0);
    expect(v[6]).toBeCloseTo(0.3, 6);
  });
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
      n.setBias(10);
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
function pairRig(plasticity: Record<string, unknown>, eta = 1) {
  const spec = parseNetworkSpec({
    encoder: { kind: "direct", size: 2, tau: 1 },
    hidden: { size: 1, neuron: { model: "lif", tau: 2, threshold: 1, reset: "zero" } },
    projections: { recurrent: { enabled: false } },
    plasticity,
    decoder: { kind: "leaky", size: 1 },
  });
  const params = initParams(spec, 3);
  const lay = buildLayout(spec);
  lay.view(params, "encoder.gain").fill(2);
  lay.view(params, "encoder.bias").fill(0);
  lay.view(params, "input.W").set([0, 5]);
  lay.view(params, "input.alpha").fill(0);
  lay.view(params, "input.eta").fill(eta);
  return { spec, params, lay };
}

const stdpRig = (extra: Record<string, unknown> = {}) => pairRig({ rule: "stdp", tauPlus: 20, tauMinus: 10, ...extra });

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

describe("BCM sliding threshold in the kernel engine", () => {
  it("rate r and threshold theta follow their low-pass filters; LTP while r > theta, LTD once post activity drops below theta", () => {
    const { spec, params } = stdpRig({ rule: "bcm", tauRate: 10, tauTheta: 30, clip: 100 });
    const net = createKernelNet(spec, params, 1);
    const out = new Float32Array(1);
    const lr = Math.exp(-1 / 10), lt = Math.exp(-1 / 30);
    let r = 0, theta = 0, h = 0, hPeak = 0;
    for (let t = 0; t < 200; t++) {
      const post = t < 100 ? 1 : 0; // input 1 makes the hidden neuron spike; input 0 (the measured synapse) always spikes
      net.step(new Float32Array([1, post]), out);
      expect(net.hiddenSpikes[0]).toBe(post);
      r = lr * r + (1 - lr) * post;
      theta = lt * theta + (1 - lt) * r * r;
      h += r * (r - theta); // eta = 1, x = 1
      expect(net.plasticTrace("input", 0)![0]!).toBeCloseTo(h, 4);
      if (t === 99) hPeak = h;
    }
    expect(hPeak).toBeGreaterThan(1);
    expect(h).toBeLessThan(hPeak - 0.5);
  });
});

describe("neuromodulation gating", () => {
  /** A modulated network whose modulator is the constant m = tanh(b) (modulator.w = 0) and whose H does not
   *  feed back (alpha = 0), so the spike trains are the same for every m and only the gate differs. */
  function gatedNet(rule: "hebb" | "oja" | "bcm" | "stdp", m: number, opts: { fanout?: number[]; eligibilityTau?: number } = {}) {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 3 },
      hidden: { size: 8, neuron: { model: "lif", tau: 10 } },
      plasticity: {
        rule, modulated: true, fanout: opts.fanout ? "perPost" : "scalar", etaInit: opts.eligibilityTau ? 0.001 : 0.01, tauRate: 10, tauTheta: 30,
        eligibilityTau: opts.eligibilityTau ?? null,
      },
      decoder: { kind: "leaky", size: 2 },
    });
    const params = initParams(spec, 9);
    const lay = buildLayout(spec);
    lay.view(params, "input.alpha").fill(0);
    lay.view(params, "recurrent.alpha").fill(0);
    lay.view(params, "input.W").forEach((_, k, a) => (a[k] = Math.abs(a[k]!) + 0.3));
    lay.view(params, "modulator.w").fill(0);
    lay.view(params, "modulator.b").fill(Math.atanh(m));
    if (opts.fanout) lay.view(params, "modulator.fanout").set(opts.fanout);
    return { net: createKernelNet(spec, params, 1), clip: spec.plasticity.clip };
  }
  const input = new Float32Array([1, 0.5, 0.8]);
  function gatedRun(rule: "hebb" | "oja" | "bcm" | "stdp", m: number, opts: { fanout?: number[]; eligibilityTau?: number } = {}, steps = 150) {
    const { net, clip } = gatedNet(rule, m, opts);
    const out = new Float32Array(2);
    let spikes = 0;
    for (let t = 0; t < steps; t++) {
      net.step(input, out);
      spikes += net.hiddenSpikes.reduce((s, v) => s + v, 0);
    }
    const H = [...net.plasticTrace("input", 0)!, ...net.plasticTrace("recurrent", 0)!];
    return { H, spikes, m: net.modulator[0]!, clip };
  }
  const l1 = (h: number[]) => h.reduce((s, x) => s + Math.abs(x), 0);
  /** x + 0 maps -0 to +0, so toBe compares values, not the sign of zero. */
  const z0 = (x: number) => x + 0;

  for (const rule of ["hebb", "bcm", "stdp"] as const) {
    for (const eligibilityTau of [undefined, 10]) {
      it(`${rule}${eligibilityTau ? " + eligibility trace" : ""}: M = 0 leaves H unchanged; -M gives exactly -dH`, () => {
        const zero = gatedRun(rule, 0, { eligibilityTau }), pos = gatedRun(rule, 0.5, { eligibilityTau }), neg = gatedRun(rule, -0.5, { eligibilityTau });
        expect(zero.spikes).toBeGreaterThan(50);
        expect(zero.H.every((h) => h === 0)).toBe(true);
        expect(pos.m).toBeCloseTo(0.5, 6);
        expect(l1(pos.H)).toBeGreaterThan(0.01);
        expect(Math.max(...pos.H.map(Math.abs))).toBeLessThan(pos.clip); // linear regime: no clipping
        pos.H.forEach((h, k) => expect(z0(neg.H[k]!)).toBe(z0(-h)));
      });
    }
    it(`${rule}: per-post fanout M_j = m f_j scales column j by f_j (0 freezes it, -1 flips it)`, () => {
      const f = [1, 0, -1, 0.5, 2, -0.25, 1, 0];
      const ones = gatedRun(rule, 0.5, { fanout: new Array(8).fill(1) });
      const fan = gatedRun(rule, 0.5, { fanout: f });
      expect(Math.max(...ones.H.map(Math.abs)) * 2).toBeLessThan(ones.clip);
      let checked = 0;
      ones.H.forEach((h, k) => {
        const j = k % 8;
        expect(z0(fan.H[k]!)).toBe(z0(h * f[j]!)); // powers of two: the scaling is exact in float32
        if (h !== 0 && f[j] !== 0) checked++;
      });
      expect(checked).toBeGreaterThan(10);
    });
  }

  it("oja: M = 0 leaves H unchanged; the first update flips sign with M", () => {
    expect(gatedRun("oja", 0).H.every((h) => h === 0)).toBe(true);
    const a = gatedNet("oja", 0.5).net, b = gatedNet("oja", -0.5).net;
    const out = new Float32Array(2);
    for (let t = 0; t < 50; t++) {
      a.step(input, out);
      b.step(input, out);
      const ha = a.plasticTrace("input", 0)!, hb = b.plasticTrace("input", 0)!;
      if (ha.some((h) => h !== 0)) {
        expect(l1([...ha])).toBeGreaterThan(0);
        ha.forEach((h, k) => expect(z0(hb[k]!)).toBe(z0(-h)));
        return;
      }
    }
    throw new Error("no Oja update in 50 steps");
  });

  it("H is clipped to [-clip, clip]", () => {
    for (const m of [0.9, -0.9]) {
      const spec = parseNetworkSpec({
        encoder: { kind: "direct", size: 3 },
        hidden: { size: 8, neuron: { model: "lif", tau: 10 } },
        plasticity: { rule: "hebb", modulated: true, fanout: "scalar", etaInit: 0.5, clip: 0.75 },
        decoder: { kind: "leaky", size: 2 },
      });
      const params = initParams(spec, 9);
      const lay = buildLayout(spec);
      lay.view(params, "input.W").forEach((_, k, a) => (a[k] = Math.abs(a[k]!) + 0.3));
      lay.view(params, "modulator.w").fill(0);
      lay.view(params, "modulator.b").fill(Math.atanh(m));
      const net = createKernelNet(spec, params, 1);
      const out = new Float32Array(2);
      for (let t = 0; t < 200; t++) net.step(input, out);
      const H = [...net.plasticTrace("input", 0)!];
      expect(Math.max(...H.map((h) => h * Math.sign(m)))).toBe(0.75);
      expect(Math.min(...H.map((h) => h * Math.sign(m)))).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("eligibility trace", () => {
  /** One pre/post coincidence on synapse 0 (the pair rig with rule hebb): E jumps by 1 at that step and then
   *  decays by l = exp(-dt/tauE); H accumulates eta * M * E every step: H(n) = eta M (1 - l^(n+1)) / (1 - l). */
  it("dH = eta * M * E with E a low-pass filtered Hebbian term (retroactive: H keeps growing after the pairing)", () => {
    for (const m of [null, 0.5, -0.25]) {
      const { spec, params, lay } = pairRig({ rule: "hebb", eligibilityTau: 10, modulated: m !== null, fanout: "scalar", clip: 100 }, 0.2);
      if (m !== null) {
        lay.view(params, "modulator.w").fill(0);
        lay.view(params, "modulator.b").fill(Math.atanh(m));
      }
      const M = m ?? 1;
      const net = createKernelNet(spec, params, 1);
      const out = new Float32Array(1);
      const l = Math.exp(-1 / 10);
      for (let t = 0; t < 80; t++) {
        net.step(new Float32Array([t === 10 ? 1 : 0, t === 10 ? 1 : 0]), out);
        const h = net.plasticTrace("input", 0)![0]!;
        if (t < 10) expect(h).toBe(0);
        else expect(h).toBeCloseTo((0.2 * M * (1 - l ** (t - 9))) / (1 - l), 5);
      }
    }
  });
});

describe("leaky plastic trace (decayTau)", () => {
  /** The pair rig: both inputs spike at step 10, input 1 (which alone makes the hidden neuron spike) again at step 12;
   *  after that nothing spikes, so every rule's term is 0 and H(t) = f32(l_h H(t-1)) exactly, step by step. */
  const l = Math.fround(Math.exp(-1 / 10));
  const f = Math.fround;
  const input = (t: number) => new Float32Array([t === 10 ? 1 : 0, t === 10 || t === 12 ? 1 : 0]);
  for (const kernel of KERNELS) {
    for (const rule of ["hebb", "oja", "bcm", "stdp"] as const) {
      it(`${kernel}, ${rule}: H decays by exactly l_h per step once the term is 0, not at all while frozen`, () => {
        const { spec, params } = pairRig({ rule, decayTau: 10, clip: 100, tauPlus: 20, tauMinus: 10, tauRate: 10, tauTheta: 30 }, 0.2);
        const net = createKernelNet(spec, params, 1, { kernel });
        const out = new Float32Array(1);
        const H = () => [...net.plasticTrace("input", 0)!];
        let prev = H();
        let geometric = 0;
        for (let t = 0; t < 60; t++) {
          if (t === 30) net.freezePlasticity(true);
          if (t === 40) net.freezePlasticity(false);
          net.step(input(t), out);
          expect(net.hiddenSpikes[0], `spike at step ${t}`).toBe(t === 10 || t === 12 ? 1 : 0);
          const h = H();
          if (rule === "hebb" && t === 12) {
            // decay first, then the rule: H1 = f32(f32(l f32(l eta)) + eta), H0 = f32(l f32(l eta))
            expect(h).toEqual([f(l * f(l * f(0.2))), f(f(l * f(l * f(0.2))) + f(0.2))]);
          }
          if (t === 13) expect(Math.max(...h.map(Math.abs)), "H after the pairings").toBeGreaterThan(1e-3);
          if (t > 12) {
            const frozen = t >= 30 && t < 40;
            h.forEach((x, k) => expect(x, `step ${t}, synapse ${k}`).toBe(frozen ? prev[k]! : f(l * prev[k]!)));
            if (!frozen && h.some((x) => x !== 0)) geometric++;
          }
          prev = h;
        }
        expect(geometric).toBe(60 - 13 - 10);
      });
    }
  }

  it("decayTau null leaves H where the rule put it (the same run without decay keeps its peak)", () => {
    const { spec, params } = pairRig({ rule: "hebb", clip: 100 }, 0.2);
    const net = createKernelNet(spec, params, 1);
    const out = new Float32Array(1);
    for (let t = 0; t < 60; t++) net.step(input(t), out);
    expect([...net.plasticTrace("input", 0)!]).toEqual([f(0.2), f(f(0.2) + f(0.2))]);
  });
});
