/**
 * Delays in the network description reach the locomotion controllers (issue 8: "available to the locomotion
 * controllers too, ES can optimise them"). An agent preset with per-axon input delays and per-synapse
 * recurrent delays drives the Ant through the deployable policy (kernel engine); the delays are entries of
 * the flat parameter vector, change the rollout, and move under one OpenAI-ES update like any weight.
 * (Lives with the delay-learning tests; it exercises src/snn delays + src/train/es, not the three-factor rule.)
 */
import { describe, expect, it } from "vitest";
import { loadAgent } from "../../../agents/index.ts";
import { makeEnv } from "../../../envs/index.ts";
import { createSearcher, materialize } from "../../../src/train/es/index.ts";
import { createPolicy } from "../../../src/policy/policy.ts";
import { runEpisode } from "../../../src/policy/rollout.ts";
import { buildLayout, initParams } from "../../../src/snn/layout.ts";

const STEPS = 40;

describe("learnable delays on a locomotion controller", () => {
  it("a delayed preset runs on the Ant, its delays change the rollout, and an ES step updates them", async () => {
    const env = await makeEnv("ant", { maxSteps: STEPS, terminateWhenUnhealthy: false });
    try {
      const dims = { obsDim: env.observationSpace.shape[0]!, actDim: env.actionSpace.shape[0]! };
      const spec = loadAgent("static", dims, {
        hidden: { size: 24 },
        projections: {
          input: { initScale: 3, delay: { kind: "axon", max: 8, init: "uniform" } },
          recurrent: { delay: { kind: "synapse", max: 5, init: "uniform" } },
        },
      });
      const layout = buildLayout(spec);
      const inputDelay = layout.entry("input.delay"), recurrentDelay = layout.entry("recurrent.delay");
      expect(inputDelay.length).toBe(dims.obsDim);
      expect(recurrentDelay.length).toBe(24 * 24);
      const params = initParams(spec, 3);
      const policy = createPolicy(spec, params, null, env.actionSpace);
      // a fresh env per episode, as the locomotion evaluator does
      const episode = async (p: Float32Array) => {
        policy.setParams(p);
        let spikes = 0;
        const e = await makeEnv("ant", { maxSteps: STEPS, terminateWhenUnhealthy: false });
        try {
          const r = runEpisode(e, policy, { seed: 11, maxSteps: STEPS, onStep: () => { for (const z of policy.net.hiddenSpikes) spikes += z; } });
          return { ret: r.return, spikes };
        } finally {
          e.close();
        }
      };
      const base = await episode(params);
      expect(base.spikes).toBeGreaterThan(0);
      // the same weights with every delay set to 0: a different trajectory
      const undelayed = params.slice();
      undelayed.fill(0, inputDelay.offset, inputDelay.offset + inputDelay.length);
      undelayed.fill(0, recurrentDelay.offset, recurrentDelay.offset + recurrentDelay.length);
      expect((await episode(undelayed)).ret).not.toBe(base.ret);
      expect((await episode(params)).ret).toBe(base.ret); // deterministic

      // one generation of OpenAI-ES over the whole flat vector: the delay entries move too
      const es = createSearcher("es", params, { popSize: 8, sigma: 0.05, lr: 0.05, seed: 2 });
      const candidates = es.ask();
      const member = new Float32Array(params.length);
      const fitness: number[] = [];
      for (const c of candidates) fitness.push((await episode(materialize(es.center, es.sigma, c, member))).ret);
      expect(new Set(fitness).size).toBeGreaterThan(1);
      const before = es.center.slice();
      es.tell(candidates, fitness);
      for (const e of [inputDelay, recurrentDelay]) {
        let moved = 0;
        for (let k = e.offset; k < e.offset + e.length; k++) if (es.center[k] !== before[k]) moved++;
        expect(moved).toBe(e.length);
      }
    } finally {
      env.close();
    }
  });
});
