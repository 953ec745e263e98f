import { describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { Rng } from "../../src/core/rng.ts";
import type { MemberResult, MemberTask, SharedParams } from "../../src/train/fitness.ts";
import { createEvaluator, type LocomotionEvaluatorConfig } from "../../src/train/locomotion-fitness.ts";
import { initParams } from "../../src/snn/index.ts";
import { resolve } from "node:path";
import { RolloutPool } from "../../src/train/pool.ts";

async function setup(envId: string, obsDim: number, actDim: number, envOptions: LocomotionEvaluatorConfig["envOptions"], conditions: LocomotionEvaluatorConfig["conditions"] = {}) {
  const spec = loadAgent("nm-hebb", { obsDim, actDim });
  const center = initParams(spec, 1);
  const rng = new Rng(2);
  const shared: SharedParams = {
    center,
    sigma: new Float32Array(center.length).fill(0.2),
    shift: Float32Array.from({ length: obsDim }, () => rng.range(-0.1, 0.1)),
    scale: new Float32Array(obsDim).fill(1),
  };
  const config: LocomotionEvaluatorConfig = { envId, envOptions, spec, conditions, maxSteps: 150, normalizerClip: 5 };
  return { shared, single: await createEvaluator(config), batched: await createEvaluator(config) };
}

const tasks = (n: number, episodeSeeds: number[], episodeStrata?: number[]): MemberTask[] =>
  Array.from({ length: n }, (_, i) => ({
    generation: 3, index: i, seed: 1000 + (i >> 1), sign: i % 2 ? -1 : 1, episodeSeeds, collectStats: true, ...(episodeStrata ? { episodeStrata } : {}),
  }));

// JSON keeps every float64 digit, so equal JSON is bitwise equal numbers (NaN aside, which would fail anyway)
const same = (a: MemberResult[], b: MemberResult[]) => expect(JSON.stringify(b)).toBe(JSON.stringify(a));

describe("ES fitness in lockstep (members of a batch in one Rapier world)", () => {
  it("ant: a batch answers bitwise what members evaluated one by one answer, with early terminations", async () => {
    // a narrow healthy band ends some members' episodes early, at different steps
    const { shared, single, batched } = await setup("ant", 31, 8, { healthyZRange: [0.48, 0.6] });
    const ts = tasks(6, [11, 12]);
    const one: MemberResult[] = [];
    for (const t of ts) one.push(await single.evaluate(t, shared));
    const batch = await batched.evaluateBatch(ts, shared);
    same(one, batch);
    const steps = one.map((r) => r.steps);
    expect(Math.min(...steps)).toBeLessThan(2 * 150); // someone fell
    expect(new Set(steps).size).toBeGreaterThan(2); // at different times
    expect(Math.max(...steps)).toBe(2 * 150); // while others ran to the horizon
    // a second batch on the reused slots (new generation, other members) still matches
    const again = tasks(4, [13]).map((t) => ({ ...t, seed: t.seed + 50 }));
    const oneAgain: MemberResult[] = [];
    for (const t of again) oneAgain.push(await single.evaluate(t, shared));
    same(oneAgain, await batched.evaluateBatch(again, shared));
    single.close?.();
    batched.close?.();
  }, 60_000);

  it("with condition strata (flat and rough): rough episodes run in worlds of their own, results still bitwise", async () => {
    const conditions = { mixture: [{ name: "flat", weight: 1 }, { name: "rough", weight: 1, terrain: { kind: "rough" as const } }] };
    const { shared, single, batched } = await setup("ant", 31, 8, {}, conditions);
    const ts = tasks(3, [21, 22], [0, 1]);
    const one: MemberResult[] = [];
    for (const t of ts) one.push(await single.evaluate(t, shared));
    same(one, await batched.evaluateBatch(ts, shared));
    single.close?.();
    batched.close?.();
  }, 60_000);

  it("a RolloutPool generation gives bitwise the same fitness, metrics and stats with lockstep batches as one member per task", async () => {
    const spec = loadAgent("nm-hebb", { obsDim: 31, actDim: 8 });
    const center = initParams(spec, 4);
    const config: LocomotionEvaluatorConfig = { envId: "ant", envOptions: { healthyZRange: [0.47, 0.6] }, spec, conditions: {}, maxSteps: 60, normalizerClip: 5 };
    const request = {
      generation: 0,
      center,
      sigma: new Float32Array(center.length).fill(0.2),
      candidates: Array.from({ length: 8 }, (_, i) => ({ index: i, seed: 70 + (i >> 1), sign: (i % 2 ? -1 : 1) as 1 | -1 })),
    };
    const outcome = async (lockstep: number, workers: number) => {
      const pool = new RolloutPool({ evaluatorModule: resolve("src/train/locomotion-fitness.ts"), config, dim: center.length, obsDim: 31, workers, episodesPerMember: 2, seed: 5, lockstep });
      try {
        return await pool.evaluate(request);
      } finally {
        await pool.close();
      }
    };
    const one = await outcome(1, 0);
    const batched = await outcome(4, 0);
    const threaded = await outcome(4, 2);
    expect(new Set(one.fitness).size).toBeGreaterThan(1);
    for (const r of [batched, threaded]) {
      expect(Buffer.from(r.fitness.buffer).equals(Buffer.from(one.fitness.buffer))).toBe(true);
      expect(JSON.stringify([r.metrics, r.steps, r.simSeconds, r.obsStats])).toBe(JSON.stringify([one.metrics, one.steps, one.simSeconds, one.obsStats]));
    }
  }, 120_000);
});
