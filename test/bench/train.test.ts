import { describe, expect, it } from "vitest";
import { baselineVersion, benchTrain, type VersionThroughput } from "../../src/bench/train.ts";

const positive = (x: number) => Number.isFinite(x) && x > 0;

// The output contract of `spikeloco bench train --json` on a tiny budget (no speed is asserted).
describe("bench train result", () => {
  it("keeps its fields and adds baseline (ant-v3) and current (ant-v4), per CPU-second and per wall-second", async () => {
    const r = await benchTrain({ env: "ant", agent: "nm-hebb", population: 2, maxSteps: 10, generations: 1, workers: 1, seed: 0, lockstepRounds: 1 });
    for (const k of ["params", "population", "max_steps", "cores", "sim_seconds_per_wall_second", "speedup", "scaling_efficiency", "target_sim_seconds_per_wall_second"] as const) {
      expect(positive(r[k] as number), k).toBe(true);
    }
    expect([r.env, r.agent, r.population, r.max_steps, r.cores]).toEqual(["ant", "nm-hebb", 2, 10, 1]);
    for (const s of [r.one_worker, r.all_cores]) {
      expect(s.generations).toBe(1);
      expect(s.env_steps).toBe(2 * 10); // 2 members x 10 steps, nobody falls in 10 steps
      expect(s.sim_seconds).toBeCloseTo(s.env_steps * 0.05, 9);
      expect(s.sim_seconds_per_wall_second).toBeCloseTo(s.sim_seconds / s.wall_s, 6);
    }
    const check = (v: VersionThroughput, env: string, generations: number) => {
      expect([v.env, v.workers, v.generations]).toEqual([env, 1, generations]);
      expect(v.sim_seconds).toBeCloseTo(generations * 2 * 10 * 0.05, 9);
      for (const k of ["cpu_s", "wall_s", "sim_seconds_per_cpu_second", "sim_seconds_per_wall_second"] as const) expect(positive(v[k]), k).toBe(true);
      expect(v.sim_seconds_per_cpu_second).toBeCloseTo(v.sim_seconds / v.cpu_s, 6);
      expect(v.sim_seconds_per_wall_second).toBeCloseTo(v.sim_seconds / v.wall_s, 6);
    };
    check(r.baseline!, "ant-v3", 2);
    check(r.current, "ant-v4", 2);
    expect(r.speedup_vs_baseline!).toBeCloseTo(r.current.sim_seconds_per_cpu_second / r.baseline!.sim_seconds_per_cpu_second, 9);
    // lockstep: same members one by one and in batches, bitwise the same results, both rates measured
    expect(r.lockstep.members_per_batch).toBe(4);
    expect(r.lockstep.rounds).toBe(1);
    expect(r.lockstep.bitwise_equal).toBe(true);
    expect(positive(r.lockstep.separate_sim_seconds_per_cpu_second) && positive(r.lockstep.lockstep_sim_seconds_per_cpu_second)).toBe(true);
    expect(r.lockstep.speedup).toBeCloseTo(r.lockstep.lockstep_sim_seconds_per_cpu_second / r.lockstep.separate_sim_seconds_per_cpu_second, 9);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  }, 120_000);

  it("the baseline is the env's previous version", () => {
    expect(baselineVersion("ant")).toBe("ant-v3");
    expect(baselineVersion("hexapod")).toBe("hexapod-v3");
  });
});
