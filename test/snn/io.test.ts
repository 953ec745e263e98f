/**
 * Surrogate derivatives, encoders and decoders of src/snn, checked against their formulas (kernel engine;
 * the tensor engine's agreement with it is in test/snn/engines.*.test.ts).
 */
import { describe, expect, it } from "vitest";
import { createKernelNet } from "../../src/snn/kernel.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { parseNetworkSpec, SURROGATES, type SurrogateKind } from "../../src/snn/spec.ts";
import { relaxedSpike, relaxKappa, surrogateGrad } from "../../src/snn/surrogate.ts";

describe("surrogate derivatives", () => {
  const sur = (kind: SurrogateKind) => ({ kind, scale: 5, gamma: 0.7 });
  it("fast sigmoid gamma/(1+s|x|)^2, triangular gamma*max(0,1-s|x|), Gaussian gamma*exp(-(s x)^2/2)", () => {
    for (const x of [0, 0.1, -0.1, 0.2, -0.5]) {
      const ax = 5 * Math.abs(x);
      expect(surrogateGrad(sur("fastSigmoid"), x, false)).toBeCloseTo(0.7 / (1 + ax) ** 2, 12);
      expect(surrogateGrad(sur("triangular"), x, false)).toBeCloseTo(0.7 * Math.max(0, 1 - ax), 12);
      expect(surrogateGrad(sur("gaussian"), x, false)).toBeCloseTo(0.7 * Math.exp(-0.5 * ax * ax), 12);
      // outside refractoriness refractoryNegative is the triangular one
      expect(surrogateGrad(sur("refractoryNegative"), x, false)).toBe(surrogateGrad(sur("triangular"), x, false));
    }
    expect(surrogateGrad(sur("fastSigmoid"), 0.2, false)).toBeCloseTo(0.7 / 4, 12);
    expect(surrogateGrad(sur("triangular"), 0.3, false)).toBe(0);
  });

  it("inside refractoriness: -gamma for refractoryNegative (STDP-aware LIF), 0 for the others", () => {
    for (const x of [-0.3, 0, 0.4]) {
      expect(surrogateGrad(sur("refractoryNegative"), x, true)).toBe(-0.7);
      for (const kind of ["fastSigmoid", "triangular", "gaussian"] as const) expect(surrogateGrad(sur(kind), x, true)).toBe(0);
    }
  });

  it("relaxed spike (gradient checks): runs 0 -> gamma and its derivative is kappa * surrogate", () => {
    for (const kind of SURROGATES) {
      const s = sur(kind);
      expect(relaxedSpike(s, -50, false)).toBeCloseTo(0, 2);
      expect(relaxedSpike(s, 50, false)).toBeCloseTo(0.7, 2);
      for (const x of [-0.35, -0.12, -0.01, 0.03, 0.15, 0.4]) {
        const h = 1e-6;
        const fd = (relaxedSpike(s, x + h, false) - relaxedSpike(s, x - h, false)) / (2 * h);
        expect(fd).toBeCloseTo(relaxKappa(s) * surrogateGrad(s, x, false), 5);
        const fdRef = (relaxedSpike(s, x + h, true) - relaxedSpike(s, x - h, true)) / (2 * h);
        expect(fdRef).toBeCloseTo(relaxKappa(s) * surrogateGrad(s, x, true), 5);
      }
    }
  });
});

/** Encoder neurons with tau = 0.001 ms forget their past (leak factor 0 in float32): an input neuron then
 *  spikes in a step exactly when its current reaches 1, which exposes the current's formula. */
function encoderNet(encoder: Record<string, unknown>, set: (lay: ReturnType<typeof buildLayout>, p: Float32Array) => void) {
  const spec = parseNetworkSpec({
    encoder: { tau: 0.001, ...encoder },
    hidden: { size: 1, neuron: { model: "lif" } },
    projections: { recurrent: { enabled: false } },
    decoder: { kind: "leaky", size: 1 },
  });
  const params = initParams(spec, 1);
  const lay = buildLayout(spec);
  set(lay, params);
  const net = createKernelNet(spec, params, 1);
  const out = new Float32Array(1);
  return (x: number[]): number[] => {
    net.step(new Float32Array(x), out);
    return [...net.inputSpikes];
  };
}

describe("encoders", () => {
  it("direct: current = gain * x + bias per input neuron (learned gain and bias)", () => {
    const enc = encoderNet({ kind: "direct", size: 3 }, (lay, p) => {
      lay.view(p, "encoder.gain").set([2, -4, 0]);
      lay.view(p, "encoder.bias").set([0.25, 0.5, 1]);
    });
    expect(enc([0.375, -0.125, 0])).toEqual([1, 1, 1]); // 2*0.375+0.25 = 1, -4*-0.125+0.5 = 1, 0+1 = 1
    expect(enc([0.37, -0.12, 5])).toEqual([0, 0, 1]);
    expect(enc([-1, 1, -5])).toEqual([0, 0, 1]);
  });

  it("the documented init: gain 1, bias 0.25 (direct) / 0 (GRF)", () => {
    for (const kind of ["direct", "grf"] as const) {
      const spec = parseNetworkSpec({ encoder: { kind, size: 2 }, hidden: { size: 1, neuron: { model: "lif" } }, decoder: { kind: "leaky", size: 1 } });
      const lay = buildLayout(spec);
      const p = initParams(spec, 1);
      expect([...lay.view(p, "encoder.gain")].every((g) => g === 1)).toBe(true);
      expect([...lay.view(p, "encoder.bias")].every((b) => b === (kind === "direct" ? 0.25 : 0))).toBe(true);
    }
  });

  it("Gaussian receptive fields: neuron (d, k) gets gain * exp(-(x_d - c_k)^2 / 2 sigma^2), centres spread over [low, high]", () => {
    // centres -2, -1, 0, 1, 2; gain e^(r^2 / 2 sigma^2) puts the firing edge at |x - c_k| = r
    const sigma = 0.5;
    const grf = (r: number) => encoderNet({ kind: "grf", size: 2, centers: 5, sigma, low: -2, high: 2 }, (lay, p) => {
      lay.view(p, "encoder.gain").fill(Math.exp((r * r) / (2 * sigma * sigma)));
      lay.view(p, "encoder.bias").fill(0);
    });
    const narrow = grf(0.5);
    expect(narrow([0.3, -1.2])).toEqual([0, 0, 1, 0, 0, /* dim 1 */ 0, 1, 0, 0, 0]);
    expect(narrow([0.45, 1.9])).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(narrow([0.55, 3])).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const wide = grf(1.2);
    expect(wide([0.3, -2])).toEqual([0, 0, 1, 1, 0, 1, 1, 0, 0, 0]);
  });
});

/** One hidden LIF driven by input 0 (it spikes in exactly the steps where x = 1), reading out through decoder W. */
function decoderNet(decoder: Record<string, unknown>, w: number, b: number) {
  const spec = parseNetworkSpec({
    encoder: { kind: "direct", size: 1, tau: 0.001 },
    hidden: { size: 1, neuron: { model: "lif", tau: 1, reset: "zero" } },
    projections: { input: { plastic: false }, recurrent: { enabled: false } },
    decoder,
  });
  const params = initParams(spec, 1);
  const lay = buildLayout(spec);
  lay.view(params, "encoder.gain").fill(2);
  lay.view(params, "encoder.bias").fill(0);
  lay.view(params, "input.W").fill(5);
  lay.view(params, "decoder.W").fill(w);
  lay.view(params, "decoder.b").fill(b);
  const net = createKernelNet(spec, params, 1);
  const out = new Float32Array(1);
  return (x: number): { z: number; a: number } => {
    net.step(new Float32Array([x]), out);
    return { z: net.hiddenSpikes[0]!, a: out[0]! };
  };
}

describe("decoders", () => {
  it("leaky: y = l y + (1 - l) W z, action = tanh(y + b)", () => {
    const step = decoderNet({ kind: "leaky", size: 1, tau: 10 }, 0.8, 0.1);
    const l = Math.exp(-1 / 10);
    for (let t = 0; t < 30; t++) {
      const on = t < 12;
      const r = step(on ? 1 : 0);
      expect(r.z).toBe(on ? 1 : 0);
      const y = on ? 0.8 * (1 - l ** (t + 1)) : 0.8 * (1 - l ** 12) * l ** (t - 11);
      expect(r.a).toBeCloseTo(Math.tanh(y + 0.1), 6);
    }
  });

  it("spike count: output LIF spikes counted over the last `window` steps, action = 2 count / window - 1", () => {
    const step = decoderNet({ kind: "count", size: 1, window: 5, tau: 5 }, 1, 0);
    const actions: number[] = [];
    for (let t = 0; t < 20; t++) actions.push(step(t < 8 ? 1 : 0).a);
    const count = (t: number) => (t < 8 ? Math.min(t + 1, 5) : Math.max(0, 5 - (t - 7)));
    actions.forEach((a, t) => expect(a).toBeCloseTo((2 * count(t)) / 5 - 1, 6));
    expect(actions[19]).toBe(-1);
    expect(actions[6]).toBe(1);
  });
});
