/**
 * Delays (issue 8): per-axon and per-synapse fractional delays are parameters of a projection in both engines.
 * Kernel: ring buffer of the presynaptic history, linear interpolation between the two neighbouring slots.
 * Tensor: the same interpolation as tent weights relu(1 - |d - k|), so the delay gets a gradient.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createKernelNet } from "../../src/snn/kernel.ts";
import { gradCheck } from "../../src/snn/gradcheck.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { kernelTensorParity } from "../support/parity.ts";
import { parseNetworkSpec } from "../../src/snn/spec.ts";
import { selectTensorBackend } from "../../src/snn/tensor.ts";
import { variantSpec } from "../../src/snn/variants.ts";

beforeAll(async () => {
  await selectTensorBackend();
});

/** One input neuron spiking at step 5 onto one non-leaky hidden neuron through a delayed synapse. */
function delayedArrival(kind: "axon" | "synapse", d: number): number[] {
  const spec = parseNetworkSpec({
    encoder: { kind: "direct", size: 1, tau: 1 },
    hidden: { size: 1, neuron: { model: "lif", tau: 1e9, threshold: 100 } },
    projections: { input: { plastic: false, delay: { kind, max: 6 } }, recurrent: { enabled: false } },
    decoder: { kind: "leaky", size: 1 },
  });
  const params = initParams(spec, 1);
  const lay = buildLayout(spec);
  lay.view(params, "encoder.gain").fill(2);
  lay.view(params, "encoder.bias").fill(0);
  lay.view(params, "input.W").fill(1);
  lay.view(params, "input.delay").fill(d);
  const net = createKernelNet(spec, params, 1);
  const out = new Float32Array(1);
  const v: number[] = [];
  let prev = 0;
  for (let t = 0; t < 14; t++) {
    net.step(new Float32Array([t === 5 ? 1 : 0]), out);
    v.push(net.hiddenVoltage[0]! - prev); // current delivered this step
    prev = net.hiddenVoltage[0]!;
  }
  return v;
}

describe("delays", () => {
  it("an integer delay d shifts the arrival by d steps; a fractional one splits it linearly", () => {
    for (const kind of ["axon", "synapse"] as const) {
      const at = (arr: number[]) => arr.map((x, t) => [t, x] as const).filter(([, x]) => Math.abs(x) > 1e-6);
      expect(at(delayedArrival(kind, 0))).toEqual([[5, 1]]);
      expect(at(delayedArrival(kind, 3))).toEqual([[8, 1]]);
      const frac = at(delayedArrival(kind, 2.25));
      expect(frac.map(([t]) => t)).toEqual([7, 8]);
      expect(frac[0]![1]).toBeCloseTo(0.75, 6);
      expect(frac[1]![1]).toBeCloseTo(0.25, 6);
      expect(at(delayedArrival(kind, 9))).toEqual([[11, 1]]); // clamped to max = 6
    }
  });

  const cases = [
    { name: "axon delays, nm-stdp", v: { model: "lif" as const, rule: "stdp" as const, modulated: true }, delay: "axon" as const },
    { name: "per-synapse delays, nm-hebb", v: { model: "alif" as const, rule: "hebb" as const, modulated: true }, delay: "synapse" as const },
    { name: "per-synapse delays, oja", v: { model: "lif" as const, rule: "oja" as const, modulated: false }, delay: "synapse" as const },
  ];
  for (const c of cases) {
    it(`${c.name}: kernel and tensor engines agree over 500 steps; delay gradients match finite differences`, () => {
      const extra = { projections: { input: { initScale: 2, delay: { kind: c.delay, max: 4 } }, recurrent: { delay: { kind: c.delay, max: 3 } } } };
      const p = kernelTensorParity(variantSpec(c.v, { nIn: 3, nHid: 6, nOut: 2 }, extra), 500, 1, 3);
      expect(p.spikeRate).toBeGreaterThan(0.02);
      expect(p.firstSpikeMismatch).toBe(-1);
      expect(p.maxOutputError).toBeLessThan(1e-5);
      const g = gradCheck(variantSpec(c.v, { nIn: 2, nHid: 4, nOut: 2 }, extra), { steps: 60, perGroup: 3 });
      expect(Object.keys(g.groups)).toEqual(expect.arrayContaining(["input.delay", "recurrent.delay"]));
      expect(g.entries.filter((e) => e.name.endsWith(".delay")).some((e) => Math.abs(e.finiteDiff) > 1e-6)).toBe(true);
      expect(g.maxRelError).toBeLessThan(1e-2);
    });
  }
});
