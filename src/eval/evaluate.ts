/**
 * Run a suite: checkpoints (plus, for plastic ones, their plasticity-frozen ablation) x conditions x
 * paired units, on the shared thread pool (src/train/threads.ts), then aggregate into the report object.
 *
 * Paired design: unit u = (evaluation seed s, episode e) runs with episode seed deriveSeed(s, "eval", e)
 * for EVERY controller and EVERY condition, so initial states and condition samples (ranges are drawn
 * from the episode seed by the env) are identical across the arms being compared.
 *
 * Interruption (options.signal): the pool stops at once and the report covers the units whose every
 * episode finished (still paired), marked `interrupted`.
 */
import { SpikelocoError } from "../core/errors.ts";
import { defined } from "../core/defined.ts";
import { siblingModule } from "../core/package.ts";
import { deriveSeed } from "../core/rng.ts";
import { envDefinition } from "../../envs/index.ts";
import { checkpointEnv, type CheckpointEnv } from "../policy/checkpoint.ts";
import { loadPolicy } from "../policy/load.ts";
import { defaultThreads, InterruptedError, ThreadPool } from "../train/threads.ts";
import { collectVersions } from "../policy/versions.ts";
import { aggregate, type Aggregate, type ControllerInfo, type EpisodeRecord } from "./aggregate.ts";
import { describeController } from "./controller-info.ts";
import { isOnsetAblation, type AblatedCopy, type OnsetAblation } from "./ablation.ts";
import type { EpisodeJob } from "./episode.ts";
import { inertConditionWarnings, resolveSuite, type ResolvedSuite, type Suite } from "./suite.ts";

export interface EvaluateOptions {
  checkpoints: string[];
  suite: Suite;
  /** Evaluation seeds; each gives `episodesPerSeed` paired units. */
  seeds: number[];
  episodesPerSeed: number;
  /** Add a plasticity-frozen copy of every plastic controller. */
  ablation: boolean;
  /**
   * Which ablated copies of every plastic controller to add when `ablation` is on (default: frozen).
   * zero-at-onset and freeze-at-onset need a suite with an onset step (an adaptation suite).
   */
  ablations?: AblatedCopy[];
  /** Worker threads (0 = in-process). */
  workers?: number | undefined;
  /** Override the suite's episode length (e.g. for quick runs). */
  maxSteps?: number | undefined;
  /** Run only these conditions (by name). */
  only?: string[] | undefined;
  resamples?: number | undefined;
  /** Called as each episode finishes (the CLI draws its progress bar from it). */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Stop early (Ctrl-C): the report keeps the complete paired units. */
  signal?: AbortSignal | undefined;
  /** Called before any episode runs, once per warning (also kept in the report's `warnings`), e.g. a checkpoint fallback. */
  onWarning?: ((message: string) => void) | undefined;
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
  /** Present when the evaluation was stopped early: `units` then counts the complete units kept. */
  interrupted?: { episodesDone: number; episodesPlanned: number; unitsPlanned: number };
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
  ablation?: OnsetAblation;
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
          seed: unitSeed[u]!,
          checkpoint: c.checkpoint,
          generation: c.generation,
          frozen: c.frozen,
          envId: env.envId,
          envOptions: env.envOptions,
          conditions: cond.conditions,
          maxSteps: suite.maxSteps,
          trace: suite.adaptation !== undefined,
          ...(c.ablation && suite.adaptation ? { ablation: c.ablation, onsetStep: suite.adaptation.onsetStep } : {}),
        });
      });
    });
  }
  return jobs;
}

function sameEnv(a: CheckpointEnv, b: CheckpointEnv): boolean {
  return a.envId === b.envId && JSON.stringify(a.envOptions) === JSON.stringify(b.envOptions);
}

/**
 * Run jobs on `workers` threads (0 = in-process), reporting progress; the records of the jobs that
 * finished, in job order (all of them unless `signal` fired).
 */
export async function runJobs(
  jobs: EpisodeJob[],
  workers: number,
  options: { onProgress?: ((done: number, total: number) => void) | undefined; signal?: AbortSignal | undefined } = {},
): Promise<EpisodeRecord[]> {
  const pool = new ThreadPool<EpisodeJob, EpisodeRecord>({ module: siblingModule(import.meta.url, "./episode.ts"), data: null, threads: workers });
  let out: Array<EpisodeRecord | undefined>;
  try {
    out = await pool.runAll(jobs, defined({ signal: options.signal, onDone: options.onProgress }));
  } catch (err) {
    await pool.destroy();
    throw err;
  }
  const teardown = pool.destroy();
  // Interrupted: the threads are already told to stop; do not hold the user up while they exit.
  if (options.signal?.aborted) teardown.catch(() => undefined);
  else await teardown;
  return out.filter((r): r is EpisodeRecord => r !== undefined);
}

/** The units whose every (controller, condition) episode finished, renumbered 0..n-1 (the design stays paired). */
function completeUnits(records: EpisodeRecord[], cellsPerUnit: number): { records: EpisodeRecord[]; kept: number[] } {
  const count = new Map<number, number>();
  for (const r of records) count.set(r.unit, (count.get(r.unit) ?? 0) + 1);
  const kept = [...count].filter(([, n]) => n === cellsPerUnit).map(([u]) => u).sort((a, b) => a - b);
  const index = new Map(kept.map((u, i) => [u, i]));
  return { records: records.filter((r) => index.has(r.unit)).map((r) => ({ ...r, unit: index.get(r.unit)! })), kept };
}

export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  if (options.checkpoints.length === 0) throw new SpikelocoError("give at least one --checkpoint", "--checkpoint");
  if (options.seeds.length === 0) throw new SpikelocoError("need at least one evaluation seed", "--seeds");
  if (!(Number.isInteger(options.episodesPerSeed) && options.episodesPerSeed >= 1)) {
    throw new SpikelocoError(`must be an integer >= 1, got ${options.episodesPerSeed}`, "--episodes");
  }
  const started = performance.now();
  const checkpointWarnings: string[] = []; // a corrupt newest checkpoint replaced by the previous one
  const onWarning = (m: string) => {
    checkpointWarnings.push(m);
    options.onWarning?.(m);
  };
  const loaded = await Promise.all(options.checkpoints.map((dir) => loadPolicy(dir, { onWarning })));
  const env = checkpointEnv(loaded[0]!.checkpoint, loaded[0]!.dir);
  for (const { dir, checkpoint } of loaded.slice(1)) {
    const other = checkpointEnv(checkpoint, dir);
    if (!sameEnv(env, other)) {
      throw new SpikelocoError(`was trained in env '${other.envId}' ${JSON.stringify(other.envOptions)}, but ${loaded[0]!.dir} in '${env.envId}' ${JSON.stringify(env.envOptions)}; a paired comparison needs one env`, dir);
    }
  }
  const def = envDefinition(env.envId, env.envOptions);
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
  const ablations = options.ablations ?? ["frozen"];
  const atOnset = ablations.find(isOnsetAblation);
  if (options.ablation && atOnset && !suite.adaptation) {
    throw new SpikelocoError(`'${atOnset}' acts at the suite's onset step, and suite '${suite.name}' has none (use an adaptation suite)`, "--ablations");
  }

  const controllers: ControllerInfo[] = [];
  const planned: PlannedController[] = [];
  for (const policy of loaded) {
    const info = describeController(policy, false);
    controllers.push(info);
    planned.push({ checkpoint: info.checkpoint, generation: info.generation, frozen: false });
    if (options.ablation && info.plastic) {
      for (const kind of ablations) {
        const copy = describeController(policy, kind);
        controllers.push(copy);
        planned.push({ checkpoint: copy.checkpoint, generation: copy.generation, frozen: copy.frozen, ...(copy.ablation ? { ablation: copy.ablation } : {}) });
      }
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
  const workers = options.workers ?? defaultThreads();
  const finished = await runJobs(jobs, workers, { onProgress: options.onProgress, signal: options.signal });
  const unitsPlanned = options.seeds.length * options.episodesPerSeed;
  const interrupted = finished.length < jobs.length;
  const { records, kept } = interrupted ? completeUnits(finished, controllers.length * suite.conditions.length) : { records: finished, kept: null };
  if (kept && kept.length === 0) throw new InterruptedError();
  const units = kept ? kept.length : unitsPlanned;
  const allSeeds = unitSeeds(options.seeds, options.episodesPerSeed);
  const results = aggregate(suite, controllers, units, records, { resamples: options.resamples, seed: options.seeds[0]! });
  const seconds = (performance.now() - started) / 1000;
  const steps = finished.reduce((s, r) => s + r.steps, 0);
  return {
    format: "spikeloco-eval-report",
    version: 1,
    createdAt: new Date().toISOString(),
    suite,
    env: { ...env, version: def.version, legs: def.robot.legs.length },
    seeds: options.seeds,
    episodesPerSeed: options.episodesPerSeed,
    units,
    episodeSeeds: kept ? kept.map((u) => allSeeds[u]!) : allSeeds,
    controllers,
    results,
    timing: { seconds, episodes: finished.length, steps, workers, stepsPerSecond: steps / seconds },
    versions: collectVersions(),
    warnings: [...checkpointWarnings, ...inertConditionWarnings(suite), ...(interrupted ? [`interrupted: ${units} of ${unitsPlanned} paired units finished; every number covers those only`] : [])],
    ...(interrupted ? { interrupted: { episodesDone: finished.length, episodesPlanned: jobs.length, unitsPlanned } } : {}),
  };
}
