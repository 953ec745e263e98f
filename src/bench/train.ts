/**
 * End-to-end training throughput: simulated robot seconds per wall second of ES training (rollouts on the
 * pool, SNN + physics, noise regeneration, the update), with 1 worker and with all cores, side by side.
 * The first generation of each setting is a warm-up (worker start, Rapier init, JIT) and is not timed.
 */
import { availableParallelism } from "node:os";
import { LOCOMOTION_DEFAULTS, type LocomotionTrainConfig } from "../train/config.ts";
import { trainLocomotion } from "../train/locomotion.ts";

export interface BenchTrainOptions {
  env: string;
  agent: string;
  population: number;
  maxSteps: number;
  generations: number;
  workers?: number;
  seed: number;
  onProgress?: (message: string) => void;
}

export interface ThroughputSample {
  workers: number;
  generations: number;
  wall_s: number;
  env_steps: number;
  sim_seconds: number;
  steps_per_s: number;
  sim_seconds_per_wall_second: number;
}

export interface BenchTrainResult {
  env: string;
  agent: string;
  params: number;
  population: number;
  max_steps: number;
  cores: number;
  one_worker: ThroughputSample;
  all_cores: ThroughputSample;
  sim_seconds_per_wall_second: number;
  speedup: number;
  scaling_efficiency: number;
  target_sim_seconds_per_wall_second: number;
  meets_target: boolean;
  note: string;
}

async function measure(o: BenchTrainOptions, workers: number): Promise<{ sample: ThroughputSample; params: number }> {
  const config: LocomotionTrainConfig = {
    kind: "locomotion",
    env: o.env,
    agent: o.agent,
    ...LOCOMOTION_DEFAULTS,
    popSize: o.population,
    maxSteps: o.maxSteps,
    evalCenterEvery: 0,
    conditions: {},
    envOptions: { clockHz: LOCOMOTION_DEFAULTS.clockHz },
  };
  let wall = 0;
  let steps = 0;
  let sim = 0;
  let timed = 0;
  const r = await trainLocomotion({
    config,
    seed: o.seed,
    generations: o.generations + 1,
    workers,
    onGeneration: (row) => {
      o.onProgress?.(`${workers} worker(s): generation ${row.generation} ${(row.sim_seconds_per_wall_second as number).toFixed(1)} sim-s/s${row.generation === 0 ? " (warm-up, not timed)" : ""}`);
      if (row.generation === 0) return;
      wall += row.wall_s as number;
      steps += row.steps as number;
      sim += row.sim_seconds as number;
      timed += 1;
    },
  });
  return {
    params: r.dim,
    sample: { workers, generations: timed, wall_s: wall, env_steps: steps, sim_seconds: sim, steps_per_s: steps / wall, sim_seconds_per_wall_second: sim / wall },
  };
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const cores = o.workers ?? availableParallelism();
  const one = await measure(o, 1);
  const all = await measure(o, cores);
  const speedup = all.sample.sim_seconds_per_wall_second / one.sample.sim_seconds_per_wall_second;
  return {
    env: o.env,
    agent: o.agent,
    params: one.params,
    population: o.population,
    max_steps: o.maxSteps,
    cores,
    one_worker: one.sample,
    all_cores: all.sample,
    sim_seconds_per_wall_second: all.sample.sim_seconds_per_wall_second,
    speedup,
    scaling_efficiency: speedup / cores,
    target_sim_seconds_per_wall_second: 150,
    meets_target: all.sample.sim_seconds_per_wall_second >= 150,
    note: "measured side by side in one process run; other jobs on a shared machine lower both numbers, compare the ratio",
  };
}
