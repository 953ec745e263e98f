/**
 * Locomotion meta-training: ES (OpenAI-ES or PGPE) over the SNN's flat parameter vector (fixed weights and
 * plasticity parameters together), rollouts on the worker pool, running observation normalisation,
 * a checkpoint and a metrics row per generation. Resuming from a checkpoint replays bit for bit.
 */
import { siblingModule } from "../core/package.ts";
import { envDefinition, makeEnv } from "../../envs/index.ts";
import { collectVersions } from "../policy/versions.ts";
import { createSearcher, parameterGroups, perParameterScale } from "./es/index.ts";
import { SpikelocoError } from "../core/errors.ts";
import { maxOnsetStep, strata } from "../env/conditions.ts";
import { RunningNormalizer } from "../policy/normalizer.ts";
import { buildLayout, initParams } from "../snn/layout.ts";
import { parseNetworkSpec, type NetworkSpec } from "../snn/spec.ts";
import { loadAgentSpec } from "../policy/presets.ts";
import type { Checkpoint } from "../policy/checkpoint.ts";
import { evolve, type EvolveResult } from "./evolve.ts";
import type { LocomotionEvaluatorConfig } from "./locomotion-fitness.ts";
import type { GenerationMetrics } from "./metrics.ts";
import { RolloutPool, defaultWorkers } from "./pool.ts";
import type { LocomotionTrainConfig } from "./config.ts";
import type { DistributedOptions } from "./distributed/index.ts";

export interface LocomotionRunOptions {
  config: LocomotionTrainConfig;
  seed: number;
  outDir?: string;
  /** Total generations to reach (counting resumed ones). */
  generations?: number;
  /** Wall-clock budget for this invocation. */
  minutes?: number;
  workers?: number;
  resume?: Checkpoint;
  signal?: AbortSignal;
  onGeneration?: (row: GenerationMetrics) => void;
  /** Evaluate members on `spikeloco worker` processes over NATS instead of local threads. */
  distributed?: DistributedOptions;
}

export interface LocomotionRunResult extends EvolveResult {
  spec: NetworkSpec;
  params: Float32Array;
  normalizer: RunningNormalizer;
  dim: number;
  workers: number;
  /** NATS pool totals (workers, cores, re-issued members, bytes...), for distributed runs. */
  pool?: Record<string, number>;
}

const evaluatorModule = siblingModule(import.meta.url, "./locomotion-fitness.ts");

export async function trainLocomotion(options: LocomotionRunOptions): Promise<LocomotionRunResult> {
  const { config, seed } = options;
  const envOptions = config.envOptions ?? {};
  const onset = maxOnsetStep(config.conditions ?? {});
  if (onset > 0 && onset >= config.maxSteps) {
    throw new SpikelocoError(`the conditions' onset reaches step ${onset}, but training episodes last ${config.maxSteps} steps (--max-steps): post-onset behaviour would never be trained`, "conditions.onsetStep");
  }
  const probe = await makeEnv(config.env, { ...envOptions, maxSteps: config.maxSteps });
  const obsDim = probe.observationSpace.shape[0];
  const actDim = probe.actionSpace.shape[0];
  probe.close();

  const spec = options.resume ? parseNetworkSpec(options.resume.spec) : await loadAgentSpec(config.agent, { obsDim, actDim });
  const fresh = initParams(spec, seed);
  const initial = options.resume ? options.resume.params : fresh;
  // group scales come from the initialisation (a pure function of spec and seed), so a resume recomputes them
  const groups = parameterGroups(buildLayout(spec), fresh, config.groupScaling ?? "none");
  const searcherOptions = {
    popSize: config.popSize,
    sigma: config.sigma,
    lr: config.lr,
    seed,
    weightDecay: config.weightDecay,
    weightDecayMode: config.weightDecayMode ?? ("coupled" as const),
    scale: config.groupScaling && config.groupScaling !== "none" ? perParameterScale(groups, fresh.length) : undefined,
  };
  const searcher = createSearcher(config.algo, initial, searcherOptions);
  const normalizer = options.resume?.normalizer ? RunningNormalizer.fromState(options.resume.normalizer) : new RunningNormalizer(obsDim, { clip: config.normalizerClip });
  if (options.resume?.training.searcher) searcher.load(options.resume.training.searcher);

  const evaluatorConfig: LocomotionEvaluatorConfig = {
    envId: config.env,
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
    pool: nats,
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
      checkpointBase: () => ({ spec, config: { ...config }, seed, versions: { ...collectVersions(), env: `${config.env}@${envDefinition(config.env).version}` } }),
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
