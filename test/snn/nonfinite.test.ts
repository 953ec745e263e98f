/** Non-finite observations must not poison the network state for the rest of the episode. */
import { describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { createKernelNet, initParams } from "../../src/snn/index.ts";
import { createTensorNet, selectTensorBackend } from "../../src/snn/tensor.ts";

const clean = new Float32Array([0.9, 0.4, -0.3, 0.7]);

function run(encoder: Record<string, unknown>, first: Float32Array) {
  const spec = loadAgent("nm-hebb", { obsDim: 4, actDim: 2 }, { encoder });
  const net = createKernelNet(spec, initParams(spec, 3), 1);
  const out = new Float32Array(2);
  const trace: number[] = [];
  net.step(first, out);
  trace.push(...out);
  for (let t = 0; t < 40; t++) {
    net.step(clean, out);
    trace.push(...out, ...net.hiddenSpikes);
  }
  return { trace, count: net.nonFiniteInputs };
}

describe.each([
  ["direct", { kind: "direct" }],
  ["grf", { kind: "grf", centers: 4 }],
])("kernel engine, %s encoder", (_name, encoder) => {
  it("reads NaN and ±Infinity inputs as 0 and counts them; later steps match a run that saw 0", () => {
    const zeroed = run(encoder, new Float32Array([0.9, 0, 0, 0.7]));
    const bad = run(encoder, new Float32Array([0.9, NaN, Infinity, 0.7]));
    expect(bad.trace).toEqual(zeroed.trace);
    expect(bad.count).toBe(2);
    expect(zeroed.count).toBe(0);
    const inf = run(encoder, new Float32Array([0.9, -Infinity, 0, 0.7]));
    expect(inf.trace).toEqual(zeroed.trace);
    expect(bad.trace.every(Number.isFinite)).toBe(true);
  });
});

describe("tensor engine", () => {
  it("rejects a non-finite input with the step and index that hold it", async () => {
    await selectTensorBackend();
    const spec = loadAgent("nm-hebb", { obsDim: 4, actDim: 2 });
    const net = createTensorNet(spec);
    const xs = [clean, new Float32Array([0.9, 0.4, NaN, 0.7])];
    expect(() => net.run(initParams(spec, 3), xs, 1)).toThrow(/inputs\[1\]\[2\].*must be finite, got NaN/);
  });
});
