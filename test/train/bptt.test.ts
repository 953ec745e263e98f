import { describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { trainBptt } from "../../src/train/bptt/trainer.ts";
import { cueAssociation } from "../../src/train/tasks/index.ts";
import { initParams } from "../../src/snn/layout.ts";

const task = cueAssociation({ K: 2, repeats: 1, showSteps: 3, gapSteps: 1, delaySteps: 2, queryShow: 3, noise: 0 });
const spec = loadAgent("nm-hebb", { obsDim: task.nIn, actDim: task.nOut }, { hidden: { size: 8 } });
const base = { spec, task, seed: 4, batch: 4, lr: 0.02, clipNorm: 1 };

describe("BPTT trainer", () => {
  it("lowers the task loss on its training batches and clips the gradient norm", async () => {
    const r = await trainBptt({ ...base, params: initParams(spec, 1), iterations: 6 });
    const first = r.rows.slice(0, 2).reduce((a, x) => a + x.loss, 0) / 2;
    const last = r.rows.slice(-2).reduce((a, x) => a + x.loss, 0) / 2;
    expect(r.rows).toHaveLength(6);
    expect(last).toBeLessThan(first);
    for (const row of r.rows) expect(Number.isFinite(row.grad_norm)).toBe(true);
    expect(r.rows.some((x) => x.clipped)).toBe(true);
  });

  it("continues bitwise-identically from (params, Adam state, iteration)", async () => {
    const p0 = initParams(spec, 2);
    const full = await trainBptt({ ...base, params: p0, iterations: 2 });
    const half = await trainBptt({ ...base, params: p0, iterations: 1 });
    const rest = await trainBptt({ ...base, params: half.params, adamState: half.adam, startIteration: 1, iterations: 2 });
    expect(Buffer.from(rest.params.buffer).equals(Buffer.from(full.params.buffer))).toBe(true);
    expect(rest.rows.map((x) => x.loss)).toEqual(full.rows.slice(1).map((x) => x.loss));
  });
});
