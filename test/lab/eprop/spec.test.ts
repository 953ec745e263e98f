/**
 * e-prop on the shared NetworkSpec: forward spike trains equal the kernel engine's, feed-forward e-prop
 * gradients (reset path kept) equal the tfjs tensor engine's BPTT gradients, and learned weights written
 * into the flat vector run on the kernel engine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { SpecEpropNet } from "../../../src/lab/eprop/spec-net.ts";
import { cosine } from "../../../src/lab/eprop/stats.ts";
import { createKernelNet } from "../../../src/snn/kernel.ts";
import { initParams } from "../../../src/snn/layout.ts";
import { parseNetworkSpec, type NetworkSpec, type NetworkSpecInput } from "../../../src/snn/spec.ts";
import { createTensorNet, selectTensorBackend } from "../../../src/snn/tensor.ts";

type Neuron = NetworkSpecInput["hidden"]["neuron"];

function makeSpec(neuron: Neuron, recurrent: boolean, sizes = { nIn: 4, nHid: 8, nOut: 2 }): NetworkSpec {
  return parseNetworkSpec({
    encoder: { kind: "direct", size: sizes.nIn },
    hidden: { size: sizes.nHid, neuron },
    projections: { input: { initScale: neuron.model === "izhikevich" ? 3 : 4 }, recurrent: { enabled: recurrent, initScale: 1 } },
    decoder: { kind: "leaky", size: sizes.nOut },
  });
}

function inputs(seed: number, steps: number, nIn: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: steps }, () => Float32Array.from({ length: nIn }, () => rng.range(0, 1.5)));
}

function targets(steps: number, nOut: number): Float32Array[] {
  return Array.from({ length: steps }, (_, t) => Float32Array.from({ length: nOut }, (_, q) => 0.6 * Math.sin(0.15 * t + q)));
}

const MODELS: Array<{ label: string; neuron: Neuron }> = [
  { label: "lif (subtract)", neuron: { model: "lif" } },
  { label: "lif (zero reset, refractory 2)", neuron: { model: "lif", reset: "zero", refractory: 2 } },
  { label: "alif", neuron: { model: "alif", beta: 0.3, refractory: 1 } },
  { label: "stdpLif", neuron: { model: "stdpLif", refractory: 3 } },
  { label: "izhikevich", neuron: { model: "izhikevich" } },
];

describe("spec-built e-prop network: forward equals the kernel engine", () => {
  for (const { label, neuron } of MODELS) {
    it(`${label}: identical spike trains and actions over 600 steps (recurrent)`, () => {
      const spec = makeSpec(neuron, true);
      const params = initParams(spec, 11);
      const kernel = createKernelNet(spec, params, 1);
      const net = new SpecEpropNet(spec, params);
      const xs = inputs(3, 600, 4);
      const out = new Float32Array(2);
      let spikes = 0;
      for (let t = 0; t < xs.length; t++) {
        kernel.step(xs[t]!, out);
        net.step(xs[t]!);
        expect(Array.from(net.hiddenSpikes)).toEqual(Array.from(kernel.hiddenSpikes));
        expect(Array.from(net.inputSpikes)).toEqual(Array.from(kernel.inputSpikes));
        expect(Array.from(net.hiddenVoltage)).toEqual(Array.from(kernel.hiddenVoltage));
        expect(Array.from(net.output)).toEqual(Array.from(out));
        for (const z of net.hiddenSpikes) spikes += z;
      }
      expect(spikes / (600 * 8)).toBeGreaterThan(0.02);
    });
  }
});

describe("spec-built e-prop network: GRF encoder, learned thresholds and time constants", () => {
  it("alif with grf encoding and per-neuron tau/threshold: identical to the kernel engine", () => {
    const spec = parseNetworkSpec({
      encoder: { kind: "grf", size: 3, centers: 4, sigma: 0.5 },
      hidden: { size: 10, neuron: { model: "alif", beta: 0.2 }, learnThreshold: true, learnTau: true },
      projections: { input: { initScale: 3 } },
      decoder: { kind: "leaky", size: 2 },
    });
    const params = initParams(spec, 4);
    const rng = new Rng(8);
    const layout = new SpecEpropNet(spec, params).layout;
    for (const v of [layout.view(params, "hidden.tau"), layout.view(params, "hidden.threshold")]) {
      for (let j = 0; j < v.length; j++) v[j] = v[j]! * rng.range(0.6, 1.4);
    }
    const kernel = createKernelNet(spec, params, 1);
    const net = new SpecEpropNet(spec, params);
    const out = new Float32Array(2);
    let spikes = 0;
    for (let t = 0; t < 400; t++) {
      const x = Float32Array.from({ length: 3 }, () => rng.range(-2, 2));
      kernel.step(x, out);
      net.step(x);
      expect(Array.from(net.hiddenSpikes)).toEqual(Array.from(kernel.hiddenSpikes));
      expect(Array.from(net.output)).toEqual(Array.from(out));
      for (const z of net.hiddenSpikes) spikes += z;
    }
    expect(spikes).toBeGreaterThan(100);
  });
});

describe("spec-built e-prop gradient vs the tensor engine's BPTT", () => {
  beforeAll(async () => {
    await selectTensorBackend();
  });

  function compare(spec: NetworkSpec, resetPath: "cut" | "keep", steps: number) {
    const params = initParams(spec, 5);
    const xs = inputs(7, steps, spec.encoder.size);
    const ys = targets(steps, spec.decoder.size);
    const bptt = createTensorNet(spec).lossAndGrad(params, xs, ys, 1);
    const net = new SpecEpropNet(spec, params, { resetPath });
    let spikes = 0;
    for (let t = 0; t < steps; t++) {
      net.step(xs[t]!);
      net.supervise(ys[t]!, 2 / (steps * spec.decoder.size));
      for (const z of net.hiddenSpikes) spikes += z;
    }
    const group = (name: string) => {
      const e = net.layout.entry(name);
      return { eprop: net.grad.subarray(e.offset, e.offset + e.length), bptt: bptt.grad.subarray(e.offset, e.offset + e.length) };
    };
    return { net, bptt, group, spikes };
  }

  const GROUPS = ["input.W", "hidden.bias", "decoder.W", "decoder.b"];
  const FF_MODELS: Array<{ label: string; neuron: Neuron }> = [
    { label: "lif", neuron: { model: "lif" } },
    { label: "lif zero reset + refractory", neuron: { model: "lif", reset: "zero", refractory: 2 } },
    { label: "alif", neuron: { model: "alif", beta: 0.3 } },
    { label: "stdpLif", neuron: { model: "stdpLif", refractory: 3 } },
    { label: "izhikevich", neuron: { model: "izhikevich" } },
  ];
  for (const { label, neuron } of FF_MODELS) {
    it(`${label}, feed-forward, reset path kept: e-prop equals BPTT per parameter`, () => {
      const { group, bptt, net, spikes } = compare(makeSpec(neuron, false), "keep", 80);
      expect(spikes).toBeGreaterThan(20);
      expect(net.loss).toBeCloseTo(bptt.loss, 5);
      for (const name of GROUPS) {
        const { eprop, bptt: b } = group(name);
        let scale = 0;
        for (const v of b) scale = Math.max(scale, Math.abs(v));
        expect(scale).toBeGreaterThan(0);
        for (let k = 0; k < b.length; k++) expect(Math.abs(eprop[k]! - b[k]!)).toBeLessThan(1e-4 * scale);
      }
    });
  }

  it("lif, feed-forward, reset path cut (e-prop's choice): close to BPTT but not equal", () => {
    const { group } = compare(makeSpec({ model: "lif" }, false), "cut", 80);
    const { eprop, bptt } = group("input.W");
    const c = cosine(eprop, bptt);
    expect(c).toBeLessThan(0.9999);
    expect(c).toBeGreaterThan(0.5);
    // the readout's gradient does not involve the reset: exact either way
    expect(cosine(group("decoder.W").eprop, group("decoder.W").bptt)).toBeGreaterThan(0.999999);
  });

  it("lif, recurrent: e-prop approximates BPTT (positive cosine, below 1)", () => {
    const { group } = compare(makeSpec({ model: "lif" }, true), "keep", 80);
    const { eprop, bptt } = group("input.W");
    const c = cosine(eprop, bptt);
    expect(c).toBeLessThan(0.99999);
    expect(c).toBeGreaterThan(0.3);
  });
});

describe("e-prop learning writes back into the flat parameter vector", () => {
  it("trained spec is checkpointed, reloaded and run on the kernel engine with the same outputs; the loss went down", async () => {
    const spec = makeSpec({ model: "lif" }, true, { nIn: 4, nHid: 16, nOut: 2 });
    const params = initParams(spec, 2);
    const before = params.slice();
    const net = new SpecEpropNet(spec, params);
    const steps = 100;
    const xs = inputs(9, steps, 4);
    const ys = targets(steps, 2);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 30; epoch++) {
      net.reset();
      net.zeroGrad();
      for (let t = 0; t < steps; t++) {
        net.step(xs[t]!);
        net.supervise(ys[t]!, 1 / steps);
      }
      losses.push(net.loss);
      net.applyGradient(0.1);
    }
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
    // encoder parameters are not trained; weights are
    const enc = net.layout.entry("encoder.gain");
    expect(Array.from(params.subarray(enc.offset, enc.offset + enc.length))).toEqual(Array.from(before.subarray(enc.offset, enc.offset + enc.length)));
    expect(params).not.toEqual(before);
    // checkpoint like any other learner's result, reload, run on the kernel engine
    const { saveCheckpoint, loadCheckpoint } = await import("../../../src/policy/checkpoint.ts");
    const dir = mkdtempSync(join(tmpdir(), "eprop-ckpt-"));
    try {
      saveCheckpoint(dir, { spec, params, config: { learner: "eprop" }, normalizer: null, seed: 2, training: { generation: 30 } });
      const ck = await loadCheckpoint(dir);
      const kernel = createKernelNet(parseNetworkSpec(ck.spec), ck.params, 1);
      net.reset();
      const out = new Float32Array(2);
      for (let t = 0; t < steps; t++) {
        kernel.step(xs[t]!, out);
        net.step(xs[t]!);
        expect(Array.from(out)).toEqual(Array.from(net.output));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects specs e-prop cannot train, naming the field", () => {
    const plastic = parseNetworkSpec({
      encoder: { kind: "direct", size: 2 }, hidden: { size: 3, neuron: { model: "lif" } },
      plasticity: { rule: "hebb" }, decoder: { kind: "leaky", size: 1 },
    });
    expect(() => new SpecEpropNet(plastic, initParams(plastic, 1))).toThrow(/plasticity\.rule/);
    const count = parseNetworkSpec({
      encoder: { kind: "direct", size: 2 }, hidden: { size: 3, neuron: { model: "lif" } }, decoder: { kind: "count", size: 1 },
    });
    expect(() => new SpecEpropNet(count, initParams(count, 1))).toThrow(/decoder\.kind/);
  });
});
