/**
 * The outer ES loop (the logger part of problem / searcher / logger): ask, evaluate, tell, update the
 * normaliser, write one metrics.jsonl row and a checkpoint per generation. Every checkpoint holds the
 * state *before* its generation, so a resumed run replays exactly what an uninterrupted one would do.
 */
import type { Problem } from "./es/problem.ts";
import type { Searcher } from "./es/searcher.ts";
import type { RunningNormalizer } from "../policy/normalizer.ts";
import { saveCheckpoint, type Checkpoint } from "../policy/checkpoint.ts";
import { MetricsLog, type GenerationMetrics } from "./metrics.ts";

export interface EvolveOptions {
  searcher: Searcher;
  problem: Problem;
  normalizer: RunningNormalizer | null;
  /** Stop after this generation count (total, including resumed ones). */
  generations?: number | undefined;
  /** Stop starting new generations after this wall-clock deadline (Date.now() ms). */
  deadline?: number | undefined;
  /** Checkpoint + metrics directory (none: in-memory run). */
  outDir?: string | undefined;
  /** Build the non-searcher parts of a checkpoint (spec, config, seed...). */
  checkpointBase?: (() => Omit<Checkpoint, "params" | "normalizer" | "training">) | undefined;
  /** Evaluate the unperturbed center every n generations (0 = never). */
  evalCenterEvery?: number | undefined;
  /** Set by the caller (e.g. on SIGINT): stop after saving; an in-flight generation is dropped. */
  signal?: AbortSignal | undefined;
  /** Trainer info carried across resumes (elapsed time, totals). */
  info?: { elapsedSeconds: number; totalSteps: number; totalSimSeconds: number } | undefined;
  onGeneration?: ((row: GenerationMetrics) => void) | undefined;
}

export interface EvolveResult {
  generation: number;
  stoppedBy: "generations" | "deadline" | "signal";
  last: GenerationMetrics | null;
  info: { elapsedSeconds: number; totalSteps: number; totalSimSeconds: number };
}

export async function evolve(options: EvolveOptions): Promise<EvolveResult> {
  const { searcher, problem, normalizer } = options;
  const log = options.outDir ? new MetricsLog(options.outDir) : null;
  const info = { ...(options.info ?? { elapsedSeconds: 0, totalSteps: 0, totalSimSeconds: 0 }) };
  const save = () => {
    if (!options.outDir || !options.checkpointBase) return;
    saveCheckpoint(options.outDir, {
      ...options.checkpointBase(),
      params: searcher.center,
      normalizer: normalizer ? normalizer.state() : null,
      training: { generation: searcher.generation, searcher: searcher.state(), info: { ...info } },
    });
  };
  if (log) log.truncateTo(searcher.generation);
  save();
  let last: GenerationMetrics | null = null;
  const aborted = new Promise<"signal">((resolve) => {
    if (options.signal?.aborted) resolve("signal");
    options.signal?.addEventListener("abort", () => resolve("signal"), { once: true });
  });
  for (;;) {
    await new Promise((r) => setImmediate(r)); // a macrotask turn so pending signals are delivered
    if (options.signal?.aborted) return { generation: searcher.generation, stoppedBy: "signal", last, info };
    if (options.generations !== undefined && searcher.generation >= options.generations) {
      return { generation: searcher.generation, stoppedBy: "generations", last, info };
    }
    if (options.deadline !== undefined && Date.now() >= options.deadline) return { generation: searcher.generation, stoppedBy: "deadline", last, info };

    const started = performance.now();
    const generation = searcher.generation;
    const frozen = normalizer ? { normalizer: { shift: normalizer.shift.slice(), scale: normalizer.scale.slice() } } : {};
    const candidates = searcher.ask();
    const evaluation = problem.evaluate({ generation, candidates, center: searcher.center, sigma: searcher.sigma, ...frozen });
    const raced = await Promise.race([evaluation, aborted]);
    if (raced === "signal") {
      evaluation.catch(() => undefined);
      return { generation: searcher.generation, stoppedBy: "signal", last, info };
    }
    const result = raced;
    const tell = searcher.tell(candidates, result.fitness);
    if (normalizer && result.obsStats) normalizer.update(result.obsStats);
    let center: { return: number; metrics: Record<string, number> } | null = null;
    const every = options.evalCenterEvery ?? 0;
    if (problem.evaluateCenter && every > 0 && (generation % every === 0 || generation + 1 === options.generations)) {
      center = await problem.evaluateCenter({ generation, center: searcher.center, sigma: searcher.sigma, ...frozen });
    }
    const wall = (performance.now() - started) / 1000;
    info.elapsedSeconds += wall;
    info.totalSteps += result.steps;
    info.totalSimSeconds += result.simSeconds;
    let max = -Infinity;
    let min = Infinity;
    let sum = 0;
    for (const f of result.fitness) {
      max = Math.max(max, f);
      min = Math.min(min, f);
      sum += f;
    }
    last = {
      generation,
      return_mean: sum / result.fitness.length,
      return_max: max,
      return_min: min,
      ...(center ? { center_return: center.return, ...prefixed("center_", center.metrics) } : {}),
      ...result.metrics,
      grad_norm: tell.gradNorm,
      step_norm: tell.stepNorm,
      sigma_mean: tell.sigmaMean,
      steps: result.steps,
      sim_seconds: result.simSeconds,
      wall_s: wall,
      steps_per_s: result.steps / wall,
      sim_seconds_per_wall_second: result.simSeconds / wall,
      elapsed_s: info.elapsedSeconds,
      ...result.pool,
    };
    log?.append(last);
    save();
    options.onGeneration?.(last);
  }
}

function prefixed(prefix: string, m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[prefix + k] = v;
  return out;
}
