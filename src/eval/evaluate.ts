/**
 * Run a suite: checkpoints (plus, for plastic ones, their plasticity-frozen ablation) x conditions x
 * paired units, over a piscina worker pool, then aggregate into the report object.
 *
 * Paired design: unit u = (evaluation seed s, episode e) runs with episode seed deriveSeed(s, "eval", e)
 * for EVERY controller and EVERY condition, so initial states and condition samples (ranges are drawn
 * from the episode seed by the env) are identical across the arms being compared.
 */
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { SpikelocoError } from "../core/errors.ts";
import { deriveSeed } from "../core/rng.ts";
import { envDefinition } from "../../envs/index.ts";
import { loadCheckpoint } from "../policy/checkpoint.ts";
import { defaultWorkers } from "../train/pool.ts";
import { collectVersions } from "../policy/versions.ts";
import { aggregate, type Aggregate, type ControllerInfo, type EpisodeRecord } from "./aggregate.ts";
import { checkpointEnv, describeController, type CheckpointEnv } from "./controller.ts";
import { EpisodeRunner, type EpisodeJob } from "./episode.ts";
import { inertConditionWarnings, resolveSuite, type ResolvedSuite, type Suite } from "./suite.ts";

export interface EvaluateOptions {
  checkpoints: string[];
  suite: Suite;
  /** Evaluation seeds; each gives `episodesPerSeed` paired units. */
  seeds: number[];
  episodesPerSeed: number;
  /** Add a plasticity-frozen copy of every plastic controller. */
  ablation: boolean;
  /** Worker threads (0 = in-process). */
  workers?: number;
  /** Override the suite's episode length (e.g. for quick runs). */
  maxSteps?: number;
  /** Run only these conditions (by name). */
  only?: string[];
  resamples?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called before any episode runs, once per warning (also kept in the report's `warnings`). */
  onWarning?: (message: string) => void;
}

export interface EvalReport {
  format: "spikeloco-eval-report";
  version: 1;
  createdAt: string;
  suite: ResolvedSuite;
  env: CheckpointEnv & { version: string; legs: number };
  seeds: number[];
  episodesPerSeed: number;
  units: number;
  episodeSeeds: number[];
  controllers: ControllerInfo[];
  results: Aggregate;
  timing: { seconds: number; episodes: number; steps: number; workers: number; stepsPerSecond: number };
  versions: Record<string, string>;
  /** Problems with the plan a reader must know about (e.g. conditions that could not act). */
  warnings: string[];
}

/** The seed of unit u (same for every controller and condition). */
export function unitSeeds(seeds: number[], episodesPerSeed: number): number[] {
  const out: number[] = [];
  for (const s of seeds) for (let e = 0; e < episodesPerSeed; e++) out.push(deriveSeed(s, "eval", e));
  return out;
}

export interface PlannedController {
  checkpoint: string;
  generation: number;
  frozen: boolean;
}

/** Every (controller, condition, unit) episode, interleaved so progress is spread over conditions. */
export function planJobs(
  suite: ResolvedSuite,
  controllers: PlannedController[],
  env: CheckpointEnv,
  seeds: number[],
  episodesPerSeed: number,
): EpisodeJob[] {
  const unitSeed = unitSeeds(seeds, episodesPerSeed);
  const jobs: EpisodeJob[] = [];
  for (let u = 0; u < unitSeed.length; u++) {
    suite.conditions.forEach((cond, k) => {
      controllers.forEach((c, i) => {
        jobs.push({
          controller: i,
          condition: k,
          unit: u,
          seed: unitSeed[u],
          checkpoint: c.checkpoint,
          generation: c.generation,
          frozen: c.frozen,
          envId: env.envId,
          envOptions: env.envOptions,
          conditions: cond.conditions,
          maxSteps: suite.maxSteps,
          trace: suite.adaptation !== undefined,
        });
      });
    });
  }
  return jobs;
}

function sameEnv(a: CheckpointEnv, b: CheckpointEnv): boolean {
  return a.envId === b.envId && JSON.stringify(a.envOptions) === JSON.stringify(b.envOptions);
}

/** Run jobs on `workers` threads (0 = in-process), reporting progress; results in job order. */
export async function runJobs(jobs: EpisodeJob[], workers: number, onProgress?: (done: number, total: number) => void): Promise<EpisodeRecord[]> {
  let done = 0;
  const tick = () => onProgress?.(++done, jobs.length);
  if (workers === 0) {
    const runner = new EpisodeRunner();
    try {
      const out: EpisodeRecord[] = [];
      for (const job of jobs) {
        out.push(await runner.run(job));
        tick();
      }
      return out;
    } finally {
      await runner.close();
    }
  }
  const pool = new Piscina({
    filename: fileURLToPath(new URL("./worker.mjs", import.meta.url)),
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    return await Promise.all(jobs.map(async (job) => {
      let r: EpisodeRecord;
      try {
        r = (await pool.run(job)) as EpisodeRecord;
      } catch (err) {
        // Errors cross the thread boundary as plain Errors; keep input errors one-line for the CLI.
        if ((err as Error)?.name === "SpikelocoError") throw new SpikelocoError((err as Error).message);
        throw err;
      }
      tick();
      return r;
    }));
  } finally {
    await pool.destroy();
  }
}

export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  if (options.checkpoints.length === 0) throw new SpikelocoError("give at least one --checkpoint", "--checkpoint");
  if (options.seeds.length === 0) throw new SpikelocoError("need at least one evaluation seed", "--seeds");
  if (!(Number.isInteger(options.episodesPerSeed) && options.episodesPerSeed >= 1)) {
    throw new SpikelocoError(`must be an integer >= 1, got ${options.episodesPerSeed}`, "--episodes");
  }
  const started = performance.now();
  const loaded = await Promise.all(options.checkpoints.map(async (dir) => ({ dir, ckpt: await loadCheckpoint(dir) })));
  const env = checkpointEnv(loaded[0].ckpt, loaded[0].dir);
  for (const { dir, ckpt } of loaded.slice(1)) {
    const other = checkpointEnv(ckpt, dir);
    if (!sameEnv(env, other)) {
      throw new SpikelocoError(`was trained in env '${other.envId}' ${JSON.stringify(other.envOptions)}, but ${loaded[0].dir} in '${env.envId}' ${JSON.stringify(env.envOptions)}; a paired comparison needs one env`, dir);
    }
  }
  const def = envDefinition(env.envId);
  let suite = resolveSuite(options.suite, def.robot.legs.length);
  if (options.maxSteps !== undefined) {
    if (suite.adaptation && options.maxSteps <= suite.adaptation.onsetStep) {
      throw new SpikelocoError(`must be > the suite's onset step (${suite.adaptation.onsetStep})`, "--max-steps");
    }
    suite = { ...suite, maxSteps: options.maxSteps };
  }
  if (options.only && options.only.length) {
    const unknown = options.only.filter((n) => !suite.conditions.some((c) => c.name === n));
    if (unknown.length) throw new SpikelocoError(`unknown condition '${unknown[0]}' (suite has: ${suite.conditions.map((c) => c.name).join(", ")})`, "--only");
    suite = { ...suite, conditions: suite.conditions.filter((c) => c.name === suite.nominal || options.only!.includes(c.name)) };
  }

  for (const w of inertConditionWarnings(suite)) options.onWarning?.(w);

  const controllers: ControllerInfo[] = [];
  const planned: PlannedController[] = [];
  for (const { dir, ckpt } of loaded) {
    const info = describeController(ckpt, dir, false);
    controllers.push(info);
    planned.push({ checkpoint: info.checkpoint, generation: info.generation, frozen: false });
    if (options.ablation && info.plastic) {
      const frozen = describeController(ckpt, dir, true);
      controllers.push(frozen);
      planned.push({ checkpoint: frozen.checkpoint, generation: frozen.generation, frozen: true });
    }
  }
  const ids = new Set<string>();
  for (const c of controllers) {
    let id = c.id;
    for (let n = 2; ids.has(id); n++) id = `${c.id}~${n}`;
    c.id = id;
    ids.add(id);
  }

  const jobs = planJobs(suite, planned, env, options.seeds, options.episodesPerSeed);
  const workers = options.workers ?? defaultWorkers();
  const records = await runJobs(jobs, workers, options.onProgress);
  const units = options.seeds.length * options.episodesPerSeed;
  const results = aggregate(suite, controllers, units, records, { resamples: options.resamples, seed: options.seeds[0] });
  const seconds = (performance.now() - started) / 1000;
  const steps = records.reduce((s, r) => s + r.steps, 0);
  return {
    format: "spikeloco-eval-report",
    version: 1,
    createdAt: new Date().toISOString(),
    suite,
    env: { ...env, version: def.version, legs: def.robot.legs.length },
    seeds: options.seeds,
    episodesPerSeed: options.episodesPerSeed,
    units,
    episodeSeeds: unitSeeds(options.seeds, options.episodesPerSeed),
    controllers,
    results,
    timing: { seconds, episodes: records.length, steps, workers, stepsPerSecond: steps / seconds },
    versions: collectVersions(),
    warnings: inertConditionWarnings(suite),
  };
}
