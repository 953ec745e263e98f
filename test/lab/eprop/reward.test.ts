import { describe, expect, it } from "vitest";
import { RewardEprop } from "../../../src/lab/eprop/actor-critic.ts";
import { CueReach } from "../../support/eprop-fixtures.ts";

describe("reward-based e-prop (actor-critic)", () => {
  it("improves the return of a spiking policy on a cue-dependent reaching task", () => {
    const task = new CueReach();
    const agent = new RewardEprop(task, { seed: 3, nRec: 24, lr: 0.01, sigma: 0.3, gamma: 0.5, lambda: 0.5 });
    const evalSeeds = [1001, 1002, 1003, 1004];
    const score = () => evalSeeds.reduce((s, seed) => s + agent.episode(seed, false).return, 0) / evalSeeds.length;
    const before = score();
    for (let e = 0; e < 150; e++) agent.episode(e, true);
    const after = score();
    expect(after).toBeGreaterThan(before + 0.5 * Math.abs(before));
    expect(after).toBeGreaterThan(-2); // 20 steps; a constant action would score about -7.2
  });
});

describe("reward-based e-prop on a NetworkSpec preset (SpecActorCritic)", () => {
  it("improves the cue task, and the trained flat vector gives the same returns on the kernel engine", async () => {
    const { loadAgent } = await import("../../../agents/index.ts");
    const { initParams } = await import("../../../src/snn/layout.ts");
    const { createKernelNet } = await import("../../../src/snn/kernel.ts");
    const { SpecActorCritic } = await import("../../../src/lab/eprop/spec-actor-critic.ts");
    const task = new CueReach();
    const spec = loadAgent("static", { obsDim: 2, actDim: 1 }, { hidden: { size: 24, neuron: { tau: 5 } }, decoder: { tau: 2 }, encoder: { tau: 2 } });
    const params = initParams(spec, 3);
    const agent = new SpecActorCritic(task, spec, params, { seed: 3, substeps: 5, lr: 0.003, sigma: 0.3, gamma: 0.5, lambda: 0.5 });
    const evalSeeds = [1001, 1002, 1003, 1004];
    const score = () => evalSeeds.reduce((s, seed) => s + agent.episode(seed, false).return, 0) / evalSeeds.length;
    const before = score();
    for (let e = 0; e < 120; e++) agent.episode(e, true);
    const after = score();
    expect(after).toBeGreaterThan(before + 0.5 * Math.abs(before));
    expect(after).toBeGreaterThan(-1.5);
    // the same episodes on the kernel engine with the trained parameters
    const kernel = createKernelNet(spec, params, 1);
    const input = new Float32Array(2), out = new Float32Array(1);
    let kernelScore = 0;
    for (const seed of evalSeeds) {
      kernel.reset();
      let obs = task.reset(seed);
      for (let done = false; !done;) {
        for (let i = 0; i < 2; i++) input[i] = Math.max(-3, Math.min(3, obs[i]!));
        for (let s = 0; s < 5; s++) kernel.step(input, out);
        const r = task.step(out);
        kernelScore += r.reward / evalSeeds.length;
        obs = r.obs;
        done = r.done;
      }
    }
    expect(kernelScore).toBeCloseTo(after, 10);
  });
});
