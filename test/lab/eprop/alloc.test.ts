/**
 * e-prop learners step without allocating (issue 7: "runs on the kernel engine, no per-step allocation").
 * JS has no allocation counter, so the test counts the usual allocation paths while the hot loop runs:
 * typed-array and Array constructors, subarray/slice/map/filter/concat, Array.prototype.find (its callback
 * is a fresh closure at the call site) and Object.keys/values/entries. A step that builds a view, a
 * temporary array or a closure per call shows up as a non-zero count.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/rng.ts";
import { EpropNetwork, initEpropParams, type EpropNetConfig } from "../../../src/lab/eprop/network.ts";
import { NEURON_MODELS, defaultNeuronParams } from "../../../src/lab/eprop/neurons.ts";
import { SpecEpropNet } from "../../../src/lab/eprop/spec-net.ts";
import { initParams } from "../../../src/snn/layout.ts";
import { parseNetworkSpec } from "../../../src/snn/spec.ts";

type Ctor = new (...args: never[]) => object;
const GLOBAL_CTORS = ["Float32Array", "Float64Array", "Int32Array", "Uint8Array", "Uint32Array", "Int8Array", "Int16Array", "Uint16Array", "Array"] as const;
const TYPED_METHODS = ["subarray", "slice", "map", "filter"] as const;
const ARRAY_METHODS = ["map", "filter", "slice", "concat", "find", "flatMap"] as const;
const OBJECT_FNS = ["keys", "values", "entries"] as const;

/** Run `fn` with the allocation paths above instrumented; returns how many times they were hit. */
function countAllocations(fn: () => void): number {
  let count = 0;
  const g = globalThis as unknown as Record<string, Ctor>;
  const savedCtors = GLOBAL_CTORS.map((name) => [name, g[name]!] as const);
  const typedProto = Object.getPrototypeOf(Float32Array.prototype) as Record<string, (...a: unknown[]) => unknown>;
  const arrayProto = Array.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const objectFns = Object as unknown as Record<string, (...a: unknown[]) => unknown>;
  const patched: Array<[Record<string, (...a: unknown[]) => unknown>, string, (...a: unknown[]) => unknown]> = [];
  const patch = (owner: Record<string, (...a: unknown[]) => unknown>, name: string) => {
    const original = owner[name]!;
    patched.push([owner, name, original]);
    owner[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  };
  for (const [name, Original] of savedCtors) {
    const Counting = class extends (Original as unknown as new (...a: unknown[]) => object) {
      constructor(...args: unknown[]) {
        count++;
        super(...args);
      }
    };
    g[name] = Counting as unknown as Ctor;
  }
  for (const m of TYPED_METHODS) patch(typedProto, m);
  for (const m of ARRAY_METHODS) patch(arrayProto, m);
  for (const m of OBJECT_FNS) patch(objectFns, m);
  try {
    fn();
  } finally {
    for (const [owner, name, original] of patched) owner[name] = original;
    for (const [name, Original] of savedCtors) g[name] = Original;
  }
  return count;
}

describe("allocation counter", () => {
  it("sees the patterns it looks for (self-check)", () => {
    const a = new Float32Array(8);
    expect(countAllocations(() => { a.subarray(0, 2); })).toBe(1);
    expect(countAllocations(() => { [1, 2].find((x) => x > 1); })).toBeGreaterThanOrEqual(1);
    expect(countAllocations(() => { new Float64Array(3); })).toBe(1);
    expect(countAllocations(() => { for (let k = 0; k < 10; k++) a[k % 8] = k; })).toBe(0);
  });
});

describe("e-prop step without allocation", () => {
  for (const model of NEURON_MODELS) {
    it(`EpropNetwork (${model}, recurrent, random feedback): step + supervise allocate nothing`, () => {
      const c: EpropNetConfig = {
        neuron: defaultNeuronParams(model), nIn: 5, nRec: 7, nOut: 2, tauOut: 20, feedback: "random", recurrent: true,
      };
      const net = new EpropNetwork(c, initEpropParams(c, 1, { in: model === "izhikevich" ? 40 : 3 }), 2);
      const rng = new Rng(3);
      const xs = Array.from({ length: 200 }, () => Float32Array.from({ length: c.nIn }, () => (rng.uniform() < 0.3 ? 1 : 0)));
      const target = new Float32Array([0.3, -0.2]);
      let spikes = 0;
      const n = countAllocations(() => {
        for (const x of xs) {
          net.step(x);
          net.supervise(target);
          for (let j = 0; j < c.nRec; j++) spikes += net.z[j]!;
        }
      });
      expect(spikes).toBeGreaterThan(0);
      expect(n).toBe(0);
    });
  }

  for (const neuron of [{ model: "lif" as const }, { model: "alif" as const, beta: 0.3 }, { model: "stdpLif" as const }, { model: "izhikevich" as const }]) {
    it(`SpecEpropNet (${neuron.model}, grf encoder, recurrent): step + supervise allocate nothing`, () => {
      const spec = parseNetworkSpec({
        encoder: { kind: "grf", size: 3, centers: 4, sigma: 0.5 },
        hidden: { size: 12, neuron },
        projections: { input: { initScale: neuron.model === "izhikevich" ? 3 : 4 }, recurrent: { initScale: 1 } },
        decoder: { kind: "leaky", size: 2 },
      });
      const net = new SpecEpropNet(spec, initParams(spec, 4), { feedback: "random", feedbackSeed: 5 });
      const rng = new Rng(6);
      const xs = Array.from({ length: 200 }, () => Float32Array.from({ length: 3 }, () => rng.range(-1, 1)));
      const target = new Float32Array([0.2, -0.4]);
      let spikes = 0;
      const n = countAllocations(() => {
        for (const x of xs) {
          net.step(x);
          net.supervise(target);
          for (const z of net.hiddenSpikes) spikes += z;
        }
      });
      expect(spikes).toBeGreaterThan(0);
      expect(n).toBe(0);
    });
  }
});
