/**
 * Locomotion meta-training: ES (OpenAI-ES or PGPE) over the SNN's flat parameter vector (fixed weights and
 * plasticity parameters together), rollouts on the worker pool, running observation normalisation,
 * a checkpoint and a metrics row per generation. Resuming from a checkpoint replays bit for bit.
 */
import { siblingModule } from "../core/package.ts";
import { envIdForVersion, makeEnv } from "../../envs/index.ts";
import { collectVersions } from "../policy/versions.ts";
import { applyGroupScales, createSearcher, parameterGroups, perParameterScale } from "./es/index.ts";
import { SpikelocoError } from "../core/errors.ts";
import { maxOnsetStep, strata } from "../env/conditions.ts";
import { RunningNormalizer } from "../policy/normalizer.ts";
import { buildLayout, initParams, type LayoutEntry } from "../snn/layout.ts";
import { parseNetworkSpec, type NetworkSpec } from "../snn/spec.ts";
import { loadAgentSpec } from "../policy/presets.ts";
import { loadCheckpoint, type Checkpoint } from "../policy/checkpoint.ts";
import { runOrZooCheckpoint } from "../policy/zoo.ts";
import { evolve, type EvolveResult } from "./evolve.ts";
import type { LocomotionEvaluatorConfig } from "./locomotion-fitness.ts";
import type { GenerationMetrics } from "./metrics.ts";
import { RolloutPool, defaultWorkers } from "./pool.ts";
import type { LocomotionTrainConfig } from "./config.ts";
import type { DistributedOptions } from "./distributed/index.ts";

export interface LocomotionRunOptions {
  config: LocomotionTrainConfig;
  seed: number;
  outDir?: string | undefined;
  /** Total generations to reach (counting resumed ones). */
  generations?: number | undefined;
  /** Wall-clock budget for this invocation. */
  minutes?: number | undefined;
  workers?: number | undefined;
  resume?: Checkpoint | undefined;
  signal?: AbortSignal | undefined;
  onGeneration?: ((row: GenerationMetrics) => void) | undefined;
  /** Evaluate members on `spikeloco worker` processes over NATS instead of local threads. */
  distributed?: DistributedOptions | undefined;
}

export interface LocomotionRunResult extends EvolveResult {
  spec: NetworkSpec;
  params: Float32Array;
  normalizer: RunningNormalizer;
  dim: number;
  workers: number;
  /** NATS pool totals (workers, cores, re-issued members, bytes...), for distributed runs. */
  pool?: Record<string, number> | undefined;
}

const evaluatorModule = siblingModule(import.meta.url, "./locomotion-fitness.ts");

export async function trainLocomotion(options: LocomotionRunOptions): Promise<LocomotionRunResult> {
  const { config, seed } = options;
  const envOptions = config.envOptions ?? {};
  const onset = maxOnsetStep(config.conditions ?? {});
  if (onset > 0 && onset >= config.maxSteps) {
    throw new SpikelocoError(`the conditions' onset reaches step ${onset}, but training episodes last ${config.maxSteps} steps (--max-steps): post-onset behaviour would never be trained`, "conditions.onsetStep");
  }
  // a resumed run continues on the env version it started on (an earlier one if the env has moved on since)
  const envId = options.resume ? envIdForVersion(config.env, options.resume.versions?.env) : config.env;
  const probe = await makeEnv(envId, { ...envOptions, maxSteps: config.maxSteps });
  const envVersion = `${probe.id}@${probe.version}`;
  const obsDim = probe.observationSpace.shape[0];
  const actDim = probe.actionSpace.shape[0];
  probe.close();

  const spec = options.resume ? parseNetworkSpec(options.resume.spec) : await loadAgentSpec(config.agent, { obsDim, actDim });
  const fresh = initParams(spec, seed);
  const warm = !options.resume && config.init !== undefined ? await loadWarmStart(config.init, spec) : undefined;
  const initial = options.resume ? options.resume.params : (warm?.params ?? fresh);
  // group scales come from the initialisation (a pure function of spec and seed), so a resume recomputes them
  const groups = applyGroupScales(parameterGroups(buildLayout(spec), fresh, config.groupScaling ?? "none"), config.groupScales);
  const searcherOptions = {
    popSize: config.popSize,
    sigma: config.sigma,
    lr: config.lr,
    seed,
    weightDecay: config.weightDecay,
    weightDecayMode: config.weightDecayMode ?? ("coupled" as const),
    scale: (config.groupScaling && config.groupScaling !== "none") || config.groupScales ? perParameterScale(groups, fresh.length) : undefined,
  };
  const searcher = createSearcher(config.algo, initial, searcherOptions);
  const startState = options.resume?.normalizer ?? warm?.normalizer;
  const normalizer = startState ? RunningNormalizer.fromState(startState) : new RunningNormalizer(obsDim, { clip: config.normalizerClip });
  if (options.resume?.training.searcher) searcher.load(options.resume.training.searcher);

  const evaluatorConfig: LocomotionEvaluatorConfig = {
    envId,
    envOptions,
    spec,
    conditions: config.conditions,
    maxSteps: config.maxSteps,
    normalizerClip: config.normalizerClip,
  };
  const workers = options.workers ?? defaultWorkers();
  const nats = options.distributed
    ? await (await import("./distributed/index.ts")).openNatsPool(options.distributed, {
        evaluatorModule,
        config: evaluatorConfig,
        dim: searcher.dim,
        obsDim,
        // plain arrays: the description travels as JSON (a Float32Array would not survive it)
        searcher: { algo: config.algo, options: { ...searcherOptions, scale: searcherOptions.scale ? Array.from(searcherOptions.scale) : undefined } },
        snapshot: () => ({ searcher: searcher.state(), normalizer: normalizer.state() }),
      })
    : undefined;
  const pool = new RolloutPool({
    evaluatorModule,
    config: evaluatorConfig,
    dim: searcher.dim,
    obsDim,
    workers,
    episodesPerMember: config.episodesPerMember,
    seed,
    strataWeights: strata(config.conditions ?? {}).map((s) => s.weight),
    ...(nats ? { pool: nats } : {}),
  });
  const info = (options.resume?.training.info as { elapsedSeconds: number; totalSteps: number; totalSimSeconds: number } | undefined) ?? undefined;
  try {
    const result = await evolve({
      searcher,
      problem: pool,
      normalizer,
      generations: options.generations,
      deadline: options.minutes !== undefined ? Date.now() + options.minutes * 60_000 : undefined,
      outDir: options.outDir,
      checkpointBase: () => ({ spec, config: { ...config }, seed, versions: { ...collectVersions(), env: envVersion } }),
      evalCenterEvery: config.evalCenterEvery,
      signal: options.signal,
      info: info ? { elapsedSeconds: info.elapsedSeconds, totalSteps: info.totalSteps, totalSimSeconds: info.totalSimSeconds } : undefined,
      onGeneration: options.onGeneration,
    });
    return { ...result, spec, params: searcher.center.slice(), normalizer, dim: searcher.dim, workers: pool.workers, pool: nats?.totals() };
  } finally {
    await pool.close();
  }
}

/**
 * The parameters and normaliser a warm-started run begins from (config.init). The source must have this
 * run's parameter layout (same names and shapes); spec constants outside the layout (a time constant, an
 * eligibility trace, the clip) may differ, so a variant can start from a walker trained without it.
 */
async function loadWarmStart(init: string, spec: NetworkSpec): Promise<{ params: Float32Array; normalizer: Checkpoint["normalizer"] }> {
  const dir = runOrZooCheckpoint(init, "init");
  const ckpt = await loadCheckpoint(dir);
  const mismatch = layoutMismatch(buildLayout(parseNetworkSpec(ckpt.spec)).entries, buildLayout(spec).entries);
  if (mismatch) throw new SpikelocoError(`'${init}' holds a different network than this run's agent and env: ${mismatch}`, "init");
  return { params: ckpt.params.slice(), normalizer: ckpt.normalizer };
}

/** The first difference between two parameter layouts, or null when they are the same. */
function layoutMismatch(source: readonly LayoutEntry[], run: readonly LayoutEntry[]): string | null {
  const shape = (e: LayoutEntry): string => `[${e.shape.join(", ")}]`;
  const inSource = new Map(source.map((e) => [e.name, e]));
  const inRun = new Set(run.map((e) => e.name));
  for (const e of run) {
    const s = inSource.get(e.name);
    if (!s) return `parameter '${e.name}' is missing from it`;
    if (shape(s) !== shape(e)) return `parameter '${e.name}' has shape ${shape(s)} there, ${shape(e)} here`;
    if (s.offset !== e.offset) return `parameter '${e.name}' sits at offset ${s.offset} there, ${e.offset} here`;
  }
  const extra = source.find((e) => !inRun.has(e.name));
  return extra ? `it has parameter '${extra.name}', which this run does not` : null;
}
