/**
 * Where members are evaluated (the pool, beside problem / searcher / logger). A `MemberPool` runs member
 * tasks against one evaluation state (center, sigma, frozen normaliser) and answers with their results in
 * any order; `RolloutPool` is the Problem on top: it builds the tasks (seeds and signs only), hands them to
 * a pool and reassembles the results by population index (stats merged in index order), so a generation's
 * outcome is the same for any pool, worker count or assignment.
 * Pools: `LocalPool` (the shared thread pool, threads reading SharedArrayBuffers) and the NATS pool in
 * ./distributed/ (members on `spikeloco worker` processes on any machine).
 */
import { siblingModule } from "../core/package.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import { allocateStrata } from "../env/conditions.ts";
import type { EvaluationRequest, EvaluationResult, Problem } from "./es/problem.ts";
import { ObsStats } from "../policy/normalizer.ts";
import { allocateShared, viewShared, type MemberResult, type MemberTask, type SharedParams, type WorkerData } from "./fitness.ts";
import type { MemberWork } from "./member-batch.ts";
import { defaultThreads, ThreadPool } from "./threads.ts";

/** What every member of one evaluation is evaluated with. */
export interface EvalState {
  generation: number;
  center: Float32Array;
  sigma: Float32Array;
  /** Frozen normaliser transform (absent: identity). */
  normalizer?: { shift: Float32Array; scale: Float32Array };
}

export interface MemberPool {
  /** Members it can evaluate at once (threads here; the connected workers' cores for NATS). */
  readonly capacity: number;
  /** Evaluate every task with `state`; one result per task, in any order. */
  run(state: EvalState, tasks: MemberTask[]): Promise<MemberResult[]>;
  /** Counters for the metrics row and the progress line (keys `pool_*`), if the pool keeps any. */
  stats?(): Record<string, number>;
  close(): Promise<void>;
}

export interface LocalPoolOptions {
  /** Absolute path of a module exporting `createEvaluator(config)`. */
  evaluatorModule: string;
  config: unknown;
  dim: number;
  obsDim: number;
  /** Worker threads (0 = in-process). Default: all cores. */
  workers?: number;
  /**
   * Members per task when a generation's members share their episodes (lockstep: a batch's robots run in one
   * Rapier world, bitwise the member-by-member results). Batches are smaller when the population would
   * otherwise leave a thread idle. 1 = one member per task. Default LOCKSTEP_MEMBERS.
   */
  lockstep?: number;
}

/** Members per lockstep batch by default (measured: `spikeloco bench train` reports the lockstep block). */
export const LOCKSTEP_MEMBERS = 4;

export interface PoolOptions extends LocalPoolOptions {
  /** Episodes per member per generation (common random numbers: all members share the episode seeds). */
  episodesPerMember: number;
  /** Run seed (episode seeds derive from it and the generation). */
  seed: number;
  /** Evaluate on this pool instead of a LocalPool built from the options above. */
  pool?: MemberPool;
  /**
   * Probabilities of the condition strata (env/conditions.ts strata()); with more than one, each
   * generation's episodes are allocated over them (systematic sampling with a per-generation offset) and
   * every task carries its episodes' stratum indices: same seeds and strata for every member.
   */
  strataWeights?: number[];
}

export function defaultWorkers(): number {
  return defaultThreads();
}

/** Threads of this process (the shared thread pool); the state goes to SharedArrayBuffers, tasks carry seeds and signs. */
export class LocalPool implements MemberPool {
  readonly capacity: number;
  private readonly shared: SharedParams;
  private readonly threads: ThreadPool<MemberWork, MemberResult | MemberResult[]>;
  private readonly lockstep: number;
  private published: EvalState | null = null;
  private inFlight = 0;

  constructor(options: LocalPoolOptions) {
    this.capacity = options.workers ?? defaultWorkers();
    this.lockstep = Math.max(1, Math.floor(options.lockstep ?? LOCKSTEP_MEMBERS));
    const buffers = allocateShared(options.dim, options.obsDim);
    this.shared = viewShared(buffers);
    this.shared.scale.fill(1);
    const data: WorkerData = { evaluatorModule: options.evaluatorModule, config: options.config, shared: buffers };
    this.threads = new ThreadPool({ module: siblingModule(import.meta.url, "./member-batch.ts"), data, threads: this.capacity });
  }

  /** Write the state into shared memory (only between evaluations: threads read it while they run). */
  private publish(state: EvalState): void {
    if (this.published === state) return;
    if (this.inFlight > 0) throw new Error("LocalPool: a new state was published while members were still running");
    this.shared.center.set(state.center);
    this.shared.sigma.set(state.sigma);
    if (state.normalizer) {
      this.shared.shift.set(state.normalizer.shift);
      this.shared.scale.set(state.normalizer.scale);
    }
    this.published = state;
  }

  async run(state: EvalState, tasks: MemberTask[]): Promise<MemberResult[]> {
    this.publish(state);
    this.inFlight += tasks.length;
    try {
      const answers = await Promise.all(this.work(tasks).map((w) => this.threads.run(w)));
      return answers.flat();
    } finally {
      this.inFlight -= tasks.length;
    }
  }

  /** Tasks in batches of members that share their episodes, at most `lockstep` each and enough batches for every thread. */
  private work(tasks: MemberTask[]): MemberWork[] {
    const size = Math.min(this.lockstep, Math.ceil(tasks.length / Math.max(1, this.capacity)));
    if (size <= 1) return tasks;
    const out: MemberWork[] = [];
    let batch: MemberTask[] = [];
    const key = (t: MemberTask) => JSON.stringify([t.episodeSeeds, t.episodeStrata]);
    for (const t of tasks) {
      if (batch.length === size || (batch.length > 0 && key(batch[0]!) !== key(t))) {
        out.push(batch.length === 1 ? batch[0]! : { batch });
        batch = [];
      }
      batch.push(t);
    }
    if (batch.length) out.push(batch.length === 1 ? batch[0]! : { batch });
    return out;
  }

  async close(): Promise<void> {
    await this.threads.destroy();
  }
}

/**
 * Results of one population in index order: fitness, summed steps and sim time, per-key metric means and
 * the observation statistics merged in index order (the same numbers whoever evaluated which member).
 */
export function aggregate(results: MemberResult[], popSize: number): EvaluationResult {
  const sorted = results.slice().sort((a, b) => a.index - b.index);
  const fitness = new Float64Array(popSize);
  let stats: ObsStats | null = null;
  let steps = 0;
  let simSeconds = 0;
  const sums: Record<string, number> = {};
  for (const r of sorted) {
    fitness[r.index] = r.return;
    steps += r.steps;
    simSeconds += r.simSeconds;
    for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
    if (r.obsStats) {
      stats ??= new ObsStats(r.obsStats.mean.length);
      stats.merge(r.obsStats);
    }
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) metrics[k] = v / sorted.length;
  return { fitness, metrics, steps, simSeconds, ...(stats ? { obsStats: stats } : {}) };
}

const episodeStrataField = (s: number[] | undefined): { episodeStrata?: number[] } => (s ? { episodeStrata: s } : {});

export class RolloutPool implements Problem {
  readonly dim: number;
  readonly pool: MemberPool;

  constructor(private readonly options: PoolOptions) {
    this.dim = options.dim;
    this.pool = options.pool ?? new LocalPool(options);
  }

  /** Evaluation slots of the pool (threads, or the connected workers' cores). */
  get workers(): number {
    return this.pool.capacity;
  }

  episodeSeeds(generation: number): number[] {
    return Array.from({ length: this.options.episodesPerMember }, (_, e) => deriveSeed(this.options.seed, "episode", generation, e));
  }

  /** Stratum index of each episode of a generation (undefined without strata). */
  episodeStrata(generation: number): number[] | undefined {
    const w = this.options.strataWeights;
    if (!w || w.length < 2) return undefined;
    const u = new Rng(deriveSeed(this.options.seed, "strata", generation)).uniform();
    return allocateStrata(w, this.options.episodesPerMember, u);
  }

  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    const episodeSeeds = this.episodeSeeds(request.generation);
    const episodeStrata = this.episodeStrata(request.generation);
    const tasks: MemberTask[] = request.candidates.map((c) => ({
      generation: request.generation, index: c.index, seed: c.seed, sign: c.sign, episodeSeeds, collectStats: true,
      ...(episodeStrata ? { episodeStrata } : {}),
    }));
    const results = await this.pool.run(request, tasks);
    const out = aggregate(results, request.candidates.length);
    const pool = this.pool.stats?.();
    return pool ? { ...out, pool } : out;
  }

  async evaluateCenter(request: Omit<EvaluationRequest, "candidates">): Promise<{ return: number; metrics: Record<string, number> }> {
    const [r] = (await this.pool.run(request, [
      {
        generation: request.generation,
        index: -1,
        seed: 0,
        sign: 0,
        episodeSeeds: this.episodeSeeds(request.generation).map((s) => deriveSeed(s, "center")),
        ...episodeStrataField(this.episodeStrata(request.generation)),
        collectStats: false,
      },
    ])) as [MemberResult];
    return { return: r.return, metrics: r.metrics };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
