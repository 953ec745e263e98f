import { describe, expect, it } from "vitest";
import { listAgents, loadAgent } from "../../agents/index.ts";
import { listEnvs } from "../../envs/index.ts";
import { createKernelNet } from "../../src/snn/kernel.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { readFileSync } from "node:fs";
import { netConstants } from "../../src/snn/constants.ts";
import { parseNetworkSpec } from "../../src/snn/spec.ts";

const base = {
  encoder: { kind: "direct", size: 3 },
  hidden: { size: 4, neuron: { model: "lif" } },
  decoder: { kind: "leaky", size: 2 },
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

describe("network description errors name the field", () => {
  it("unknown neuron model", () => {
    expect(errorOf(() => parseNetworkSpec({ ...base, hidden: { size: 4, neuron: { model: "hodgkin" } } }))).toMatch(/^spec\.hidden\.neuron\.model: unknown neuron model/);
  });
  it("unknown rule", () => {
    expect(errorOf(() => parseNetworkSpec({ ...base, plasticity: { rule: "covariance" } }))).toMatch(/^spec\.plasticity\.rule: .*expected one of "none"\|"hebb"\|"oja"\|"bcm"\|"stdp"/);
  });
  it("negative time constant", () => {
    expect(errorOf(() => parseNetworkSpec({ ...base, hidden: { size: 4, neuron: { model: "lif", tau: -5 } } }))).toBe("spec.hidden.neuron.tau: must be > 0");
    expect(errorOf(() => parseNetworkSpec({ ...base, plasticity: { rule: "stdp", tauPlus: -1 } }))).toBe("spec.plasticity.tauPlus: must be > 0");
    expect(errorOf(() => parseNetworkSpec({ ...base, plasticity: { rule: "hebb", decayTau: 0 } }))).toBe("spec.plasticity.decayTau: must be > 0");
  });
  it("unknown field and bad size", () => {
    expect(errorOf(() => parseNetworkSpec({ ...base, hidden: { size: 0, neuron: { model: "lif" } } }))).toBe("spec.hidden.size: must be >= 1");
    expect(errorOf(() => parseNetworkSpec({ ...base, extra: 1 }))).toMatch(/^spec: /);
  });
  it("stdp with per-synapse delays is refused", () => {
    expect(errorOf(() => parseNetworkSpec({ ...base, plasticity: { rule: "stdp" }, projections: { input: { delay: { kind: "synapse", max: 3 } } } }))).toMatch(/^spec\.projections\.input\.delay\.kind: /);
  });
  it("learned thresholds or time constants are refused for izhikevich (no engine would use them)", () => {
    const izh = { size: 4, neuron: { model: "izhikevich" } };
    expect(errorOf(() => parseNetworkSpec({ ...base, hidden: { ...izh, learnThreshold: true } }))).toBe("spec.hidden.learnThreshold: not supported for izhikevich (its spike peak is fixed)");
    expect(errorOf(() => parseNetworkSpec({ ...base, hidden: { ...izh, learnTau: true } }))).toBe("spec.hidden.learnTau: not supported for izhikevich (it has no membrane time constant)");
    expect(buildLayout(parseNetworkSpec({ ...base, hidden: izh })).has("hidden.threshold")).toBe(false);
    for (const model of ["lif", "alif", "stdpLif"]) {
      const spec = parseNetworkSpec({ ...base, hidden: { size: 4, neuron: { model }, learnThreshold: true, learnTau: true } });
      expect(buildLayout(spec).has("hidden.threshold") && buildLayout(spec).has("hidden.tau")).toBe(true);
    }
  });
  it("parameter vector of the wrong length", () => {
    const spec = parseNetworkSpec(base);
    const n = buildLayout(spec).size;
    expect(errorOf(() => createKernelNet(spec, new Float32Array(n - 1), 1))).toBe(`params: parameter vector has ${n - 1} values but the network layout needs ${n}`);
  });
  it("shape mismatch of the input and output buffers", () => {
    const spec = parseNetworkSpec(base);
    const net = createKernelNet(spec, initParams(spec, 1), 2);
    expect(errorOf(() => net.step(new Float32Array(3), new Float32Array(4)))).toBe("input: expected 6 values (batch 2 x 3), got 3");
    expect(errorOf(() => net.step(new Float32Array(6), new Float32Array(2)))).toBe("output: expected 4 values (batch 2 x 2), got 2");
  });
});

describe("decayTau (leaky plastic trace)", () => {
  it("defaults to null (no decay, l_h = 1), also for a stored checkpoint's spec written before the field existed", () => {
    expect(parseNetworkSpec(base).plasticity.decayTau).toBeNull();
    expect(netConstants(parseNetworkSpec(base)).lambdaDecay).toBe(1);
    const stored = JSON.parse(readFileSync(new URL("../../zoo/ant-nm-hebb/checkpoint.json", import.meta.url), "utf8")) as { spec: { plasticity: Record<string, unknown> } };
    expect("decayTau" in stored.spec.plasticity).toBe(false);
    expect(parseNetworkSpec(stored.spec).plasticity.decayTau).toBeNull();
  });
  it("l_h = f32(exp(-dt / decayTau))", () => {
    for (const [dt, tau] of [[1, 100], [0.5, 10], [2, 3]] as const) {
      const spec = parseNetworkSpec({ ...base, dt, plasticity: { rule: "hebb", decayTau: tau } });
      expect(spec.plasticity.decayTau).toBe(tau);
      expect(netConstants(spec).lambdaDecay).toBe(Math.fround(Math.exp(-dt / tau)));
    }
  });
});

describe("layout", () => {
  it("entries tile the vector, views alias it, init is reproducible from the seed", () => {
    const spec = parseNetworkSpec({ ...base, plasticity: { rule: "stdp", modulated: true }, projections: { recurrent: { delay: { kind: "axon", max: 4 } } } });
    const lay = buildLayout(spec);
    let off = 0;
    for (const e of lay.entries) {
      expect(e.offset).toBe(off);
      expect(e.length).toBe(e.shape.reduce((a, b) => a * b, 1));
      off += e.length;
    }
    expect(off).toBe(lay.size);
    expect(lay.entries.map((e) => e.name)).toEqual([
      "encoder.gain", "encoder.bias", "input.W", "input.alpha", "input.eta", "input.aPlus", "input.aMinus",
      "recurrent.W", "recurrent.alpha", "recurrent.eta", "recurrent.aPlus", "recurrent.aMinus", "recurrent.delay",
      "hidden.bias", "modulator.w", "modulator.b", "modulator.fanout", "decoder.W", "decoder.b",
    ]);
    const p = initParams(spec, 42);
    expect(initParams(spec, 42)).toEqual(p);
    expect(initParams(spec, 43)).not.toEqual(p);
    lay.view(p, "hidden.bias")[2] = 7;
    expect(p[lay.entry("hidden.bias").offset + 2]).toBe(7);
    const d = lay.view(p, "recurrent.delay");
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(4);
    const w = lay.view(p, "input.W");
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.3 / Math.sqrt(3));
  });
});

describe("agents", () => {
  it("lists every preset and sizes them for the env", () => {
    expect(listAgents().map((a) => a.name)).toEqual(["bcm", "hebb", "nm-bcm", "nm-hebb", "nm-hebb-decay", "nm-hebb-decay-strong", "nm-hebb-trace", "nm-oja", "nm-stdp", "oja", "static", "stdp"]);
    for (const { name } of listAgents()) {
      const envDims = listEnvs().map((e) => ({ obsDim: e.observationSize, actDim: e.actionSize }));
      expect(envDims).toEqual([{ obsDim: 31, actDim: 8 }, { obsDim: 41, actDim: 12 }]); // ant, hexapod
      for (const dims of envDims) {
        const spec = loadAgent(name, dims);
        expect(spec.encoder.size).toBe(dims.obsDim);
        expect(spec.decoder.size).toBe(dims.actDim);
        expect(spec.plasticity.modulated).toBe(name.startsWith("nm-"));
        expect(spec.plasticity.rule).toBe(name === "static" ? "none" : name.replace(/^nm-/, "").replace(/-(decay|decay-strong|trace)$/, ""));
        expect(spec.plasticity.decayTau).toBe(/-decay(-strong)?$/.test(name) ? 100 : null);
        expect(spec.plasticity.alphaInitScale).toBe(name.endsWith("-strong") ? 1 : 0.1);
        expect(spec.plasticity.eligibilityTau).toBe(name.endsWith("-trace") ? 20 : null);
        const net = createKernelNet(spec, initParams(spec, 1), 1);
        const out = new Float32Array(dims.actDim);
        for (let t = 0; t < 20; t++) net.step(new Float32Array(dims.obsDim).fill(0.5), out);
        expect(out.every((a) => Number.isFinite(a) && Math.abs(a) <= 1)).toBe(true);
      }
    }
  });
  it("unknown agent and bad sizes name the field", () => {
    expect(errorOf(() => loadAgent("hebbian", { obsDim: 3, actDim: 2 }))).toMatch(/^agent: unknown agent 'hebbian'/);
    expect(errorOf(() => loadAgent("hebb", { obsDim: 0, actDim: 2 }))).toBe("obsDim: must be an integer >= 1, got 0");
  });
});

describe("row-major, presynaptic index first", () => {
  it("input.W[i * nHid + j] connects input neuron i to hidden neuron j", () => {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 2, tau: 0.001 },
      hidden: { size: 3, neuron: { model: "lif", tau: 1, reset: "zero" } },
      projections: { input: { plastic: false }, recurrent: { enabled: false } },
      decoder: { kind: "leaky", size: 1 },
    });
    const lay = buildLayout(spec);
    const p = initParams(spec, 1);
    lay.view(p, "encoder.gain").fill(2);
    lay.view(p, "encoder.bias").fill(0);
    const W = lay.view(p, "input.W").fill(0);
    W[1 * 3 + 2] = 5;
    const net = createKernelNet(spec, p, 1);
    const out = new Float32Array(1);
    net.step(new Float32Array([0, 1]), out);
    expect([...net.inputSpikes]).toEqual([0, 1]);
    expect([...net.hiddenSpikes]).toEqual([0, 0, 1]);
    net.step(new Float32Array([1, 0]), out);
    expect([...net.hiddenSpikes]).toEqual([0, 0, 0]);
  });
});

describe("documented initialisation (src/snn/layout.ts header)", () => {
  it("Gaussian entries have the stated std, constant entries the stated value", () => {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 400 },
      hidden: { size: 100, neuron: { model: "alif", threshold: 1.5, tau: 15 }, learnThreshold: true, learnTau: true },
      projections: { input: { initScale: 2 } },
      plasticity: { rule: "stdp", modulated: true, etaInit: 0.03 },
      decoder: { kind: "leaky", size: 50 },
    });
    const lay = buildLayout(spec);
    const p = initParams(spec, 5);
    const std = (name: string) => {
      const x = lay.view(p, name);
      return Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    };
    const gaussians: Record<string, number> = {
      "input.W": 2 / Math.sqrt(400), "recurrent.W": 0.5 / Math.sqrt(100), "input.alpha": 0.1 / Math.sqrt(400),
      "recurrent.alpha": 0.1 / Math.sqrt(100), "modulator.w": 1 / Math.sqrt(100), "decoder.W": 1 / Math.sqrt(100),
    };
    for (const [name, s] of Object.entries(gaussians)) expect(Math.abs(std(name) / s - 1), name).toBeLessThan(0.15);
    const constants: Record<string, number> = {
      "encoder.gain": 1, "encoder.bias": 0.25, "input.eta": 0.03, "recurrent.eta": 0.03, "input.aPlus": 1, "input.aMinus": 1,
      "hidden.bias": 0, "hidden.threshold": 1.5, "hidden.tau": 15, "modulator.b": 0, "modulator.fanout": 1, "decoder.b": 0,
    };
    for (const [name, c] of Object.entries(constants)) expect([...lay.view(p, name)].every((v) => v === Math.fround(c)), name).toBe(true);
    expect(lay.entry("input.W").shape).toEqual([400, 100]);
    expect(lay.entry("input.eta").shape).toEqual([1]);
    expect(lay.entry("decoder.W").shape).toEqual([100, 50]);
  });

  it("plasticity.alphaInitScale sets the std of alpha (default 0.1) and nothing else", () => {
    const at = (alphaInitScale?: number) => {
      const spec = parseNetworkSpec({
        encoder: { kind: "direct", size: 400 }, hidden: { size: 100, neuron: { model: "lif" } },
        plasticity: { rule: "hebb", modulated: true, ...(alphaInitScale === undefined ? {} : { alphaInitScale }) },
        decoder: { kind: "leaky", size: 8 },
      });
      return { spec, lay: buildLayout(spec), p: initParams(spec, 9) };
    };
    const base = at(), strong = at(1);
    expect(base.spec.plasticity.alphaInitScale).toBe(0.1);
    expect(strong.lay.entries).toEqual(base.lay.entries);
    for (const e of base.lay.entries) {
      const a = base.lay.view(base.p, e.name), b = strong.lay.view(strong.p, e.name);
      if (e.name.endsWith(".alpha")) for (let k = 0; k < a.length; k += 97) expect(b[k]).toBeCloseTo(10 * a[k]!, 5);
      else expect(b, e.name).toEqual(a);
    }
    expect(() => at(-1)).toThrow(/alphaInitScale/);
  });
});

describe("kernel state API", () => {
  it("reset(b) clears one batch element; freezePlasticity keeps H fixed", () => {
    const spec = loadAgent("nm-hebb", { obsDim: 4, actDim: 2 });
    const net = createKernelNet(spec, initParams(spec, 3), 2);
    const inp = new Float32Array(8).fill(1), out = new Float32Array(4);
    for (let t = 0; t < 50; t++) net.step(inp, out);
    expect(net.plasticDelta(0)).toBeGreaterThan(0);
    net.freezePlasticity(true);
    const before = Float32Array.from(net.plasticTrace("input", 0)!);
    for (let t = 0; t < 20; t++) net.step(inp, out);
    expect(Float32Array.from(net.plasticTrace("input", 0)!)).toEqual(before);
    net.reset(1);
    expect(net.plasticDelta(1)).toBe(0);
    expect(net.plasticDelta(0)).toBeGreaterThan(0);
  });
});
