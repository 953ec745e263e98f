/**
 * End-to-end training throughput: simulated robot seconds per wall second of ES training (rollouts on the
 * pool, SNN + physics, noise regeneration, the update), with 1 worker and with all cores, side by side; and
 * the env's previous version (baseline) against its current one, interleaved in the same run, per CPU
 * second: process CPU time counts every worker thread's work, so other jobs on a shared machine lower the
 * wall-clock rate but not this one, and a regression cannot hide behind load.
 * The first generation of each setting is a warm-up (worker start, Rapier init, JIT) and is not timed.
 */
import { availableParallelism } from "node:os";
import { envDefinition, makeEnv } from "../../envs/index.ts";
import { loadAgent } from "../../agents/index.ts";
import { deriveSeed } from "../core/rng.ts";
import { initParams } from "../snn/index.ts";
import type { MemberResult, MemberTask, SharedParams } from "../train/fitness.ts";
import { createEvaluator, type LocomotionEvaluatorConfig } from "../train/locomotion-fitness.ts";
import { LOCKSTEP_MEMBERS } from "../train/pool.ts";
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
  /** Timed rounds of the lockstep comparison (after one warm-up round). */
  lockstepRounds?: number;
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

/** One env version's throughput, measured on the all-cores setting. */
export interface VersionThroughput {
  env: string;
  workers: number;
  generations: number;
  sim_seconds: number;
  cpu_s: number;
  wall_s: number;
  /** Simulated seconds per CPU second of this process (all threads): per worker when each worker has a core. */
  sim_seconds_per_cpu_second: number;
  sim_seconds_per_wall_second: number;
}

/** ES members evaluated one by one vs in lockstep batches: the same tasks, in one thread, interleaved. */
export interface LockstepThroughput {
  members_per_batch: number;
  rounds: number;
  separate_sim_seconds_per_cpu_second: number;
  lockstep_sim_seconds_per_cpu_second: number;
  /** lockstep over separate, per CPU second. */
  speedup: number;
  /** Both ways gave bitwise the same member results (they must). */
  bitwise_equal: boolean;
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
  /** The env's previous version (null when it has none), measured interleaved with `current`. */
  baseline: VersionThroughput | null;
  current: VersionThroughput;
  /** current over baseline, per CPU second (null without a baseline). */
  speedup_vs_baseline: number | null;
  lockstep: LockstepThroughput;
  note: string;
}

interface Measured {
  sample: ThroughputSample;
  params: number;
  /** Process CPU seconds and wall seconds between the end of the warm-up generation and the end of the last. */
  cpu_s: number;
  own_wall_s: number;
}

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function measure(o: BenchTrainOptions, workers: number, env = o.env): Promise<Measured> {
  const config: LocomotionTrainConfig = {
    kind: "locomotion",
    env,
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
  let cpu0 = 0;
  let wall0 = 0;
  let cpu = 0;
  let ownWall = 0;
  const r = await trainLocomotion({
    config,
    seed: o.seed,
    generations: o.generations + 1,
    workers,
    onGeneration: (row) => {
      o.onProgress?.(`${env}, ${workers} worker(s): generation ${row.generation} ${(row.sim_seconds_per_wall_second as number).toFixed(1)} sim-s/s${row.generation === 0 ? " (warm-up, not timed)" : ""}`);
      const c = cpuSeconds();
      const t = performance.now() / 1000;
      if (row.generation === 0) {
        cpu0 = c;
        wall0 = t;
        return;
      }
      cpu = c - cpu0;
      ownWall = t - wall0;
      wall += row.wall_s as number;
      steps += row.steps as number;
      sim += row.sim_seconds as number;
      timed += 1;
    },
  });
  return {
    params: r.dim,
    cpu_s: cpu,
    own_wall_s: ownWall,
    sample: { workers, generations: timed, wall_s: wall, env_steps: steps, sim_seconds: sim, steps_per_s: steps / wall, sim_seconds_per_wall_second: sim / wall },
  };
}

/**
 * One generation's members (population, shared episode seeds) evaluated one after another and in lockstep
 * batches of `members` (default LOCKSTEP_MEMBERS), alternating which goes first, in this thread; CPU time of the process.
 */
export async function measureLockstep(o: BenchTrainOptions, rounds = 3, members = LOCKSTEP_MEMBERS): Promise<LockstepThroughput> {
  const probe = await makeEnv(o.env);
  const dims = { obsDim: probe.observationSpace.shape[0], actDim: probe.actionSpace.shape[0] };
  probe.close();
  const spec = loadAgent(o.agent, dims);
  const config: LocomotionEvaluatorConfig = {
    envId: o.env,
    envOptions: { clockHz: LOCOMOTION_DEFAULTS.clockHz },
    spec,
    conditions: {},
    maxSteps: o.maxSteps,
    normalizerClip: LOCOMOTION_DEFAULTS.normalizerClip,
  };
  const evaluator = await createEvaluator(config);
  const center = initParams(spec, o.seed);
  const shared: SharedParams = { center, sigma: new Float32Array(center.length).fill(LOCOMOTION_DEFAULTS.sigma), shift: new Float32Array(dims.obsDim), scale: new Float32Array(dims.obsDim).fill(1) };
  const tasksOf = (generation: number): MemberTask[] => {
    const episodeSeeds = Array.from({ length: LOCOMOTION_DEFAULTS.episodesPerMember }, (_, e) => deriveSeed(o.seed, "episode", generation, e));
    return Array.from({ length: o.population }, (_, i) => ({ generation, index: i, seed: deriveSeed(o.seed, "member", generation, i >> 1), sign: i % 2 ? -1 : 1, episodeSeeds, collectStats: true }));
  };
  const separate = async (tasks: MemberTask[]) => {
    const out: MemberResult[] = [];
    for (const t of tasks) out.push(await evaluator.evaluate(t, shared));
    return out;
  };
  const batched = async (tasks: MemberTask[]) => {
    const out: MemberResult[] = [];
    for (let i = 0; i < tasks.length; i += members) out.push(...(await evaluator.evaluateBatch(tasks.slice(i, i + members), shared)));
    return out;
  };
  const timed = async (f: (t: MemberTask[]) => Promise<MemberResult[]>, tasks: MemberTask[]) => {
    const c0 = cpuSeconds();
    const results = await f(tasks);
    return { cpu: cpuSeconds() - c0, results, sim: results.reduce((a, r) => a + r.simSeconds, 0) };
  };
  let equal = true;
  let cpuA = 0, cpuB = 0, simA = 0, simB = 0;
  for (let round = 0; round <= rounds; round++) {
    const tasks = tasksOf(round);
    const first = round % 2 === 0;
    const a1 = first ? await timed(separate, tasks) : null;
    const b = await timed(batched, tasks);
    const a = a1 ?? (await timed(separate, tasks));
    equal &&= JSON.stringify(a.results) === JSON.stringify(b.results);
    o.onProgress?.(`lockstep round ${round}/${rounds}: separate ${(a.sim / a.cpu).toFixed(1)}, lockstep ${(b.sim / b.cpu).toFixed(1)} sim-s per CPU-s${round === 0 ? " (warm-up, not timed)" : ""}`);
    if (round === 0) continue;
    cpuA += a.cpu;
    cpuB += b.cpu;
    simA += a.sim;
    simB += b.sim;
  }
  evaluator.close?.();
  return {
    members_per_batch: members,
    rounds,
    separate_sim_seconds_per_cpu_second: simA / cpuA,
    lockstep_sim_seconds_per_cpu_second: simB / cpuB,
    speedup: simB / cpuB / (simA / cpuA),
    bitwise_equal: equal,
  };
}

/** The env's version just before its current one ("ant-v3" for ant), or null. */
export function baselineVersion(env: string): string | null {
  const earlier = Object.keys(envDefinition(env).earlierVersions ?? {});
  return earlier.at(-1) ?? null;
}

function versionThroughput(env: string, workers: number, runs: Measured[]): VersionThroughput {
  const sum = (f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0);
  const sim = sum((m) => m.sample.sim_seconds);
  const cpu = sum((m) => m.cpu_s);
  const wall = sum((m) => m.own_wall_s);
  return {
    env,
    workers,
    generations: sum((m) => m.sample.generations),
    sim_seconds: sim,
    cpu_s: cpu,
    wall_s: wall,
    sim_seconds_per_cpu_second: sim / cpu,
    sim_seconds_per_wall_second: sim / wall,
  };
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const cores = o.workers ?? availableParallelism();
  const one = await measure(o, 1);
  const all = await measure(o, cores);
  const speedup = all.sample.sim_seconds_per_wall_second / one.sample.sim_seconds_per_wall_second;
  // baseline vs current on all cores, interleaved A B B A so a load change mid-run hits both alike
  const base = baselineVersion(o.env);
  const current = envDefinition(o.env).version;
  const baseRuns: Measured[] = [];
  const currentRuns: Measured[] = [all];
  if (base) {
    baseRuns.push(await measure(o, cores, base));
    baseRuns.push(await measure(o, cores, base));
    currentRuns.push(await measure(o, cores, current));
  }
  const baseline = base ? versionThroughput(base, cores, baseRuns) : null;
  const lockstep = await measureLockstep(o, o.lockstepRounds ?? 3);
  const cur = versionThroughput(current, cores, currentRuns);
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
    baseline,
    current: cur,
    speedup_vs_baseline: baseline ? cur.sim_seconds_per_cpu_second / baseline.sim_seconds_per_cpu_second : null,
    lockstep,
    note: "measured side by side in one process run (baseline and current interleaved current, baseline, baseline, current); other jobs on a shared machine lower the wall-clock numbers, compare the ratios and the per-CPU-second rates",
  };
}
