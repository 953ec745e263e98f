/**
 * Rollouts over the local thread pool (threads.ts). Per generation the trainer writes center, sigma and
 * the frozen normaliser into SharedArrayBuffers; tasks carry only seeds and signs, results only returns and stats.
 * Each task depends only on its seeds and the shared state, and results are reassembled by population
 * index (stats merged in index order), so a generation's outcome is the same for any worker count.
 * `workers: 0` evaluates in-process (same code path, no threads).
 */
import { siblingModule } from "../core/package.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import { allocateStrata } from "../env/conditions.ts";
import type { EvaluationRequest, EvaluationResult, Problem } from "./es/problem.ts";
import { ObsStats } from "../policy/normalizer.ts";
import { allocateShared, viewShared, type MemberResult, type MemberTask, type SharedParams, type WorkerData } from "./fitness.ts";
import { defaultThreads, ThreadPool } from "./threads.ts";

export interface PoolOptions {
  /** Absolute path of a module exporting `createEvaluator(config)`. */
  evaluatorModule: string;
  config: unknown;
  dim: number;
  obsDim: number;
  /** Worker threads (0 = in-process). Default: all cores. */
  workers?: number;
  /** Episodes per member per generation (common random numbers: all members share the episode seeds). */
  episodesPerMember: number;
  /** Run seed (episode seeds derive from it and the generation). */
  seed: number;
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

export class RolloutPool implements Problem {
  readonly dim: number;
  readonly workers: number;
  private readonly shared: SharedParams;
  private readonly threads: ThreadPool<MemberTask, MemberResult>;

  constructor(private readonly options: PoolOptions) {
    this.dim = options.dim;
    this.workers = options.workers ?? defaultWorkers();
    const buffers = allocateShared(options.dim, options.obsDim);
    this.shared = viewShared(buffers);
    this.shared.scale.fill(1);
    const data: WorkerData = { evaluatorModule: options.evaluatorModule, config: options.config, shared: buffers };
    this.threads = new ThreadPool({ module: siblingModule(import.meta.url, "./fitness.ts"), data, threads: this.workers });
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

  private publish(request: Omit<EvaluationRequest, "candidates">): void {
    this.shared.center.set(request.center);
    this.shared.sigma.set(request.sigma);
    if (request.normalizer) {
      this.shared.shift.set(request.normalizer.shift);
      this.shared.scale.set(request.normalizer.scale);
    }
  }

  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    this.publish(request);
    const episodeSeeds = this.episodeSeeds(request.generation);
    const episodeStrata = this.episodeStrata(request.generation);
    const tasks: MemberTask[] = request.candidates.map((c) => ({
      generation: request.generation, index: c.index, seed: c.seed, sign: c.sign, episodeSeeds, collectStats: true,
      ...(episodeStrata ? { episodeStrata } : {}),
    }));
    const results = await Promise.all(tasks.map((t) => this.threads.run(t)));
    results.sort((a, b) => a.index - b.index);
    const fitness = new Float64Array(request.candidates.length);
    let stats: ObsStats | null = null;
    let steps = 0;
    let simSeconds = 0;
    const sums: Record<string, number> = {};
    for (const r of results) {
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
    for (const [k, v] of Object.entries(sums)) metrics[k] = v / results.length;
    return { fitness, metrics, steps, simSeconds, obsStats: stats ?? undefined };
  }

  async evaluateCenter(request: Omit<EvaluationRequest, "candidates">): Promise<{ return: number; metrics: Record<string, number> }> {
    this.publish(request);
    const r = await this.threads.run({
      generation: request.generation,
      index: -1,
      seed: 0,
      sign: 0,
      episodeSeeds: this.episodeSeeds(request.generation).map((s) => deriveSeed(s, "center")),
      ...(this.episodeStrata(request.generation) ? { episodeStrata: this.episodeStrata(request.generation) } : {}),
      collectStats: false,
    });
    return { return: r.return, metrics: r.metrics };
  }

  async close(): Promise<void> {
    await this.threads.destroy();
  }
}
