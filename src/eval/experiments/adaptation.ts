/**
 * The adaptation experiment (issue 14) as a product feature: arms trained with equal budgets on the
 * same seeds, evaluated on held-out mid-episode changes with paired bootstrap intervals.
 *   A static on nominal ground, B static on the damage mixture, C plastic on the same mixture,
 *   D = C with H reset to 0 and frozen at onset, E = C with H frozen at onset (src/eval/ablation.ts).
 * The definition (arms, training distributions and budget, held-out conditions, windows) is data:
 * adaptation.json beside this file. Training runs live in `<root>/<arm>-s<seed>/` (one checkpointed run
 * folder each); calling `trainArms` again continues every run where it stopped, bit-exactly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { siblingModule } from "../../core/package.ts";
import { canonicalJson } from "../../core/canonical.ts";
import { SpikelocoError } from "../../core/errors.ts";
import { deriveSeed } from "../../core/rng.ts";
import { parseConditions, strata, type Conditions } from "../../env/conditions.ts";
import { checkpointEnv, checkpointExists, loadCheckpoint } from "../../policy/checkpoint.ts";
import type { LocomotionTrainConfig } from "../../train/config.ts";
import { LOCOMOTION_DEFAULTS } from "../../train/config.ts";
import { GROUP_SCALINGS } from "../../train/es/groups.ts";
import { defaultThreads, ThreadPool } from "../../train/threads.ts";
import { ABLATIONS, type Ablation } from "../ablation.ts";
import { recoveryTime } from "../adaptation.ts";
import type { EpisodeRecord } from "../aggregate.ts";
import type { EpisodeJob } from "../episode.ts";
import { mean, pairedDifference, type Interval } from "../stats.ts";

/** What the experiment keeps of one episode. */
export interface AdaptationEpisode {
  arm: Arm;
  condition: number;
  unit: number;
  v_pre: number;
  v_early: number;
  v_late: number;
  /** Steps after onset until the one-window moving speed regains the fraction; null = never (or undefined). */
  recovery_steps: number | null;
  fell: boolean;
  steps: number;
}

export const TRAINED_ARMS = ["A", "B", "C"] as const;
export const ARMS = ["A", "B", "C", "D", "E"] as const;
export type TrainedArm = (typeof TRAINED_ARMS)[number];
export type Arm = (typeof ARMS)[number];
export const DIFFS: ReadonlyArray<[Arm, Arm]> = [["C", "B"], ["C", "D"], ["C", "E"]];
const METRICS = ["v_pre", "v_early", "v_late", "recovery_steps", "fall_rate"] as const;

const trainedArm = z.strictObject({
  label: z.string(),
  agent: z.string(),
  train: z.string(),
  /** Multipliers of the arm's ES sigma and lr per parameter group (train config groupScales), e.g. { "alpha": 10 }. */
  groupScales: z.record(z.string(), z.number().positive()).optional(),
});
const window2 = z.tuple([z.number().int().min(0), z.number().int().min(1)]);
const DefinitionSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  env: z.string(),
  training: z.strictObject({
    algo: z.enum(["es", "pgpe"]),
    popSize: z.number().int().min(2),
    episodesPerMember: z.number().int().min(1),
    maxSteps: z.number().int().min(1),
    sigma: z.number().positive(),
    lr: z.number().positive(),
    weightDecay: z.number().min(0),
    groupScaling: z.enum(GROUP_SCALINGS),
    generations: z.number().int().min(1),
  }),
  pretrain: z.strictObject({
    about: z.string(),
    seed: z.number().int().min(0),
    popSize: z.number().int().min(2),
    episodesPerMember: z.number().int().min(1),
    maxSteps: z.number().int().min(1),
    groupScaling: z.enum(GROUP_SCALINGS),
    /** Generations of each agent's nominal walker (the arms' common starting point). */
    generations: z.record(z.string(), z.number().int().min(1)),
  }),
  distributions: z.record(z.string(), z.unknown()),
  arms: z.strictObject({
    A: trainedArm,
    B: trainedArm,
    C: trainedArm,
    D: z.strictObject({ label: z.string(), from: z.literal("C"), ablation: z.enum(ABLATIONS) }),
    E: z.strictObject({ label: z.string(), from: z.literal("C"), ablation: z.enum(ABLATIONS) }),
  }),
  evaluation: z.strictObject({
    maxSteps: z.number().int().min(1),
    onsetStep: z.number().int().min(1),
    window: z.number().int().min(1),
    preOnsetWindows: z.number().int().min(1),
    recoveryFraction: z.number().positive(),
    earlyWindow: window2,
    lateWindow: window2,
    episodes: z.number().int().min(1),
    seed: z.number().int().min(0),
    heldOut: z.array(z.strictObject({ name: z.string(), conditions: z.unknown() })).min(1),
    intact: z.strictObject({ name: z.string(), conditions: z.unknown() }),
  }),
});
export type AdaptationDefinition = z.output<typeof DefinitionSchema>;

export function loadAdaptationDefinition(path: string | URL = new URL("./adaptation.json", import.meta.url)): AdaptationDefinition {
  const raw = JSON.parse(readFileSync(path, "utf8")) as unknown;
  const r = DefinitionSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new SpikelocoError(issue.message, `adaptation.json: ${issue.path.join(".")}`);
  }
  const d = r.data;
  for (const [name, c] of Object.entries(d.distributions)) parseConditions(c, `adaptation.json: distributions.${name}`);
  d.evaluation.heldOut.forEach((h, i) => parseConditions(h.conditions, `adaptation.json: evaluation.heldOut[${i}].conditions`));
  const e = d.evaluation;
  if (e.onsetStep + e.lateWindow[1] > e.maxSteps) throw new SpikelocoError(`late window ends at step ${e.onsetStep + e.lateWindow[1]} > maxSteps ${e.maxSteps}`, "adaptation.json: evaluation.lateWindow");
  // adaptation is measured where it was trained: steps past the training horizon were never selected for
  if (e.maxSteps > d.training.maxSteps) throw new SpikelocoError(`evaluation episodes (${e.maxSteps} steps) outlast training episodes (${d.training.maxSteps})`, "adaptation.json: evaluation.maxSteps");
  // a walker selected on shorter episodes fades after its horizon, and the arms spend their budget repairing it
  if (d.pretrain.maxSteps < e.maxSteps) throw new SpikelocoError(`nominal walkers train on ${d.pretrain.maxSteps}-step episodes, shorter than the evaluation's ${e.maxSteps}`, "adaptation.json: pretrain.maxSteps");
  if (e.window * e.preOnsetWindows > e.onsetStep) throw new SpikelocoError("pre-onset windows do not fit before onsetStep", "adaptation.json: evaluation.preOnsetWindows");
  for (const arm of TRAINED_ARMS) {
    if (!(d.arms[arm].train in d.distributions)) throw new SpikelocoError(`unknown distribution '${d.arms[arm].train}'`, `adaptation.json: arms.${arm}.train`);
    if (!(d.arms[arm].agent in d.pretrain.generations)) throw new SpikelocoError(`no nominal walker budget for agent '${d.arms[arm].agent}'`, `adaptation.json: pretrain.generations`);
  }
  return d;
}

/**
 * The validation conditions: every changed stratum of the distribution arm C trains on (intact is always
 * evaluated), applied at the evaluation's onset. Choices of preset, rule or budget are made on these, never
 * on the held-out conditions.
 */
export function validationConditions(def: AdaptationDefinition): Array<{ name: string; conditions: Conditions }> {
  const training = parseConditions(def.distributions[def.arms.C.train], `adaptation.json: distributions.${def.arms.C.train}`);
  return strata(training).flatMap((s) => {
    const { onsetStep: _onset, ...changed } = s.conditions;
    return Object.keys(changed).length ? [{ name: `${s.name} (trained)`, conditions: changed }] : [];
  });
}

/** Where an agent's nominal walker (the warm start of every arm with that agent) is trained. */
export const pretrainDir = (root: string, agent: string): string => join(root, `pretrain-${agent}`);

/** The agents the trained arms use, in arm order without repeats. */
export const pretrainAgents = (def: AdaptationDefinition): string[] => [...new Set(TRAINED_ARMS.map((a) => def.arms[a].agent))];

/** An agent's nominal walker: the train command's defaults on flat ground, the definition's budget and group scaling. */
export function pretrainConfig(def: AdaptationDefinition, agent: string): LocomotionTrainConfig {
  const p = def.pretrain;
  return {
    kind: "locomotion",
    env: def.env,
    agent,
    algo: LOCOMOTION_DEFAULTS.algo,
    popSize: p.popSize,
    sigma: LOCOMOTION_DEFAULTS.sigma,
    lr: LOCOMOTION_DEFAULTS.lr,
    weightDecay: LOCOMOTION_DEFAULTS.weightDecay,
    weightDecayMode: LOCOMOTION_DEFAULTS.weightDecayMode,
    groupScaling: p.groupScaling,
    episodesPerMember: p.episodesPerMember,
    maxSteps: p.maxSteps,
    normalizerClip: LOCOMOTION_DEFAULTS.normalizerClip,
    evalCenterEvery: LOCOMOTION_DEFAULTS.evalCenterEvery,
    conditions: {},
    envOptions: { clockHz: 0 },
  };
}

/**
 * The training configuration of an arm: identical budget and hyper-parameters for every arm (save the
 * arm's own ES group multipliers, `groupScales`, if it has any), starting from its agent's nominal walker
 * under `root` (the walker's config with the arm's budget and distribution).
 */
export function armConfig(def: AdaptationDefinition, arm: TrainedArm, root: string): LocomotionTrainConfig {
  const t = def.training;
  const agent = def.arms[arm].agent;
  return {
    ...pretrainConfig(def, agent),
    algo: t.algo,
    popSize: t.popSize,
    sigma: t.sigma,
    lr: t.lr,
    weightDecay: t.weightDecay,
    groupScaling: t.groupScaling,
    episodesPerMember: t.episodesPerMember,
    maxSteps: t.maxSteps,
    conditions: def.distributions[def.arms[arm].train] as Conditions,
    init: pretrainDir(root, agent),
    ...(def.arms[arm].groupScales ? { groupScales: def.arms[arm].groupScales } : {}),
  };
}

export const runDir = (root: string, arm: TrainedArm, seed: number): string => join(root, `${arm}-s${seed}`);

export interface TrainArmsOptions {
  root: string;
  seeds: number[];
  arms?: TrainedArm[];
  /** Total generations per run (default: the definition's budget). */
  generations?: number;
  /** Wall-clock budget for this invocation (all runs together). */
  minutes?: number;
  workers?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface ArmRunSummary {
  /** The arm, or "pretrain" for an agent's nominal walker. */
  arm: TrainedArm | "pretrain";
  agent: string;
  seed: number;
  dir: string;
  generation: number;
  target: number;
  stopped_by: string;
  wall_s: number;
  sim_seconds: number;
  sim_seconds_per_wall_second: number;
}

/**
 * Train (or continue) every arm x seed run in turn. A run whose folder holds a checkpoint resumes from it
 * (its stored config must equal the definition's, so a changed definition is refused rather than mixed in).
 */
export async function trainArms(def: AdaptationDefinition, o: TrainArmsOptions): Promise<ArmRunSummary[]> {
  const { trainLocomotion } = await import("../../train/locomotion.ts");
  const deadline = o.minutes !== undefined ? Date.now() + o.minutes * 60_000 : undefined;
  const runs: Array<{ arm: TrainedArm | "pretrain"; agent: string; seed: number; dir: string; config: LocomotionTrainConfig; target: number }> = [];
  for (const agent of pretrainAgents(def)) {
    runs.push({ arm: "pretrain", agent, seed: def.pretrain.seed, dir: pretrainDir(o.root, agent), config: pretrainConfig(def, agent), target: def.pretrain.generations[agent]! });
  }
  for (const seed of o.seeds) for (const arm of o.arms ?? TRAINED_ARMS) {
    runs.push({ arm, agent: def.arms[arm].agent, seed, dir: runDir(o.root, arm, seed), config: armConfig(def, arm, o.root), target: o.generations ?? def.training.generations });
  }
  const out: ArmRunSummary[] = [];
  for (const { arm, agent, seed, dir, config, target } of runs) {
    const resume = checkpointExists(dir) ? await loadCheckpoint(dir) : undefined;
    if (resume && canonicalJson(resume.config) !== canonicalJson(config)) {
      throw new SpikelocoError(`holds a run trained with another configuration than adaptation.json's ${arm === "pretrain" ? `nominal ${agent} walker` : `arm ${arm}`}; move it away to retrain`, dir);
    }
    const done = resume?.training.generation ?? 0;
    const info = resume?.training.info as { elapsedSeconds?: number; totalSimSeconds?: number } | undefined;
    const summary = (generation: number, stopped_by: string, wall_s: number, sim_seconds: number): ArmRunSummary =>
      ({ arm, agent, seed, dir, generation, target, stopped_by, wall_s, sim_seconds, sim_seconds_per_wall_second: sim_seconds / Math.max(1e-9, wall_s) });
    if (done >= target) {
      out.push(summary(done, "generations", info?.elapsedSeconds ?? 0, info?.totalSimSeconds ?? 0));
      continue;
    }
    const minutes = deadline !== undefined ? (deadline - Date.now()) / 60_000 : undefined;
    const unfinishedStart = out.some((r) => r.arm === "pretrain" && r.generation < r.target);
    if ((minutes !== undefined && minutes <= 0) || o.signal?.aborted || (arm !== "pretrain" && unfinishedStart)) {
      out.push(summary(done, o.signal?.aborted ? "signal" : unfinishedStart ? "waiting for the nominal walkers" : "deadline", info?.elapsedSeconds ?? 0, info?.totalSimSeconds ?? 0));
      continue;
    }
    o.log?.(`adaptation: train ${arm === "pretrain" ? `the nominal ${agent} walker` : `arm ${arm} seed ${seed} (${agent} on '${def.arms[arm].train}')`} from generation ${done} to ${target} in ${dir}`);
    const r = await trainLocomotion({ config, seed, outDir: dir, generations: target, minutes, workers: o.workers, resume, signal: o.signal });
    out.push(summary(r.generation, r.stoppedBy, r.info.elapsedSeconds, r.info.totalSimSeconds));
  }
  return out;
}

export interface EvaluateAdaptationOptions {
  /** Checkpoint folders per trained arm, one per training seed, in the same seed order for every arm. */
  checkpoints: Record<TrainedArm, string[]>;
  /** Which conditions to evaluate: the held-out ones (default), or validation ones drawn from training. */
  split?: AdaptationSplit;
  /** Paired episodes per training seed (default: the definition's). */
  episodes?: number;
  /** Episode length override (tests); must hold the late window. */
  workers?: number;
  resamples?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ArmMetrics {
  v_pre: number;
  v_early: number;
  v_late: number;
  /** Mean steps to recover; episodes that never recover count as the steps left after onset (censored). */
  recovery_steps: number;
  recovered_fraction: number;
  fall_rate: number;
  episodes: number;
}

export interface ConditionResult {
  condition: string;
  arms: Record<Arm, ArmMetrics>;
  diffs: Record<string, Record<(typeof METRICS)[number], { mean: number; ci: [number, number] }>>;
}

export type AdaptationSplit = "held-out" | "validation";

interface ReportBody {
  experiment: "adaptation";
  env: { id: string; options: Record<string, unknown> };
  units: number;
  episode_seeds: number[];
  onset_step: number;
  max_steps: number;
  intact: ConditionResult;
  checkpoints: Record<TrainedArm, string[]>;
  timing: { seconds: number; episodes: number; steps: number; sim_seconds_per_wall_second: number };
}

/** The report names its condition list after the split, so a validation run is never read as held-out. */
export type AdaptationReport =
  | (ReportBody & { split: "held-out"; held_out: ConditionResult[] })
  | (ReportBody & { split: "validation"; validation: ConditionResult[] });

/** The changed-condition results of a report, whichever split it evaluated. */
export const changedConditions = (r: AdaptationReport): ConditionResult[] => (r.split === "held-out" ? r.held_out : r.validation);

const armSource = (def: AdaptationDefinition, arm: Arm): { trained: TrainedArm; ablation: Ablation } =>
  arm === "D" || arm === "E" ? { trained: def.arms[arm].from, ablation: def.arms[arm].ablation } : { trained: arm, ablation: "as-trained" };

/** Run every (condition, arm, paired unit) episode and summarise per the issue's output contract. */
export async function evaluateAdaptation(def: AdaptationDefinition, o: EvaluateAdaptationOptions): Promise<AdaptationReport> {
  const started = performance.now();
  const seeds = o.checkpoints.A.length;
  for (const arm of TRAINED_ARMS) {
    if (o.checkpoints[arm].length !== seeds || seeds === 0) throw new SpikelocoError(`every arm needs the same number (>= 1) of checkpoints; A has ${seeds}, ${arm} has ${o.checkpoints[arm].length}`, "checkpoints");
  }
  const firstDir = o.checkpoints.A[0]!; // seeds >= 1, checked above
  const first = await loadCheckpoint(firstDir);
  const env = checkpointEnv(first, firstDir);
  const probe = await (await import("../../../envs/index.ts")).makeEnv(env.envId, env.envOptions);
  const controlDt = probe.controlDt;
  probe.close();
  const generations = new Map<string, number>();
  for (const arm of TRAINED_ARMS) for (const dir of o.checkpoints[arm]) {
    const ckpt = await loadCheckpoint(dir);
    generations.set(dir, ckpt.training.generation);
    const other = checkpointEnv(ckpt, dir);
    if (other.envId !== env.envId || JSON.stringify(other.envOptions) !== JSON.stringify(env.envOptions)) throw new SpikelocoError(`was trained in another env than ${firstDir}`, dir);
  }
  const e = def.evaluation;
  const perSeed = o.episodes ?? Math.ceil(e.episodes / seeds);
  const unitSeeds: number[] = [];
  const unitCkpt: number[] = [];
  for (let s = 0; s < seeds; s++) for (let k = 0; k < perSeed; k++) {
    unitSeeds.push(deriveSeed(e.seed, "adaptation", k));
    unitCkpt.push(s);
  }
  const split = o.split ?? "held-out";
  const changed = split === "held-out" ? e.heldOut : validationConditions(def);
  const conditions = [...changed, e.intact];
  const jobs: EpisodeJob[] = [];
  const jobArm: Arm[] = [];
  for (let u = 0; u < unitSeeds.length; u++) conditions.forEach((c, ci) => {
    ARMS.forEach((arm, ai) => {
      const src = armSource(def, arm);
      const checkpoint = o.checkpoints[src.trained][unitCkpt[u]!]!;
      jobs.push({
        controller: ai, condition: ci, unit: u, seed: unitSeeds[u]!, checkpoint, generation: generations.get(checkpoint)!, frozen: false,
        envId: env.envId, envOptions: env.envOptions, conditions: { ...(c.conditions as Conditions), onsetStep: e.onsetStep }, maxSteps: e.maxSteps,
        trace: true, ablation: src.ablation, onsetStep: e.onsetStep,
      });
      jobArm.push(arm);
    });
  });
  const pool = new ThreadPool<EpisodeJob, EpisodeRecord>({ module: siblingModule(import.meta.url, "../episode.ts"), data: null, threads: o.workers ?? defaultThreads() });
  let done = 0;
  let records: EpisodeRecord[];
  try {
    records = await Promise.all(jobs.map(async (job) => {
      const r = await pool.run(job, o.signal);
      o.onProgress?.(++done, jobs.length);
      return r;
    }));
  } finally {
    await pool.destroy();
  }
  const episodes = records.map((r, k) => toEpisode(def, jobArm[k]!, r));
  const seconds = (performance.now() - started) / 1000;
  const steps = records.reduce((s, r) => s + r.steps, 0);
  const simSeconds = steps * controlDt;
  const results = conditions.map((c, ci) => summarise(def, c.name, episodes.filter((r) => r.condition === ci), unitSeeds.length, o.resamples, e.seed));
  const body: ReportBody = {
    experiment: "adaptation",
    env: { id: env.envId, options: env.envOptions },
    units: unitSeeds.length,
    episode_seeds: unitSeeds,
    onset_step: e.onsetStep,
    max_steps: e.maxSteps,
    intact: results[changed.length]!,
    checkpoints: o.checkpoints,
    timing: { seconds, episodes: episodes.length, steps, sim_seconds_per_wall_second: simSeconds / seconds },
  };
  const list = results.slice(0, changed.length);
  return split === "held-out" ? { split, held_out: list, ...body } : { split, validation: list, ...body };
}

function metricVector(def: AdaptationDefinition, rows: AdaptationEpisode[], metric: (typeof METRICS)[number]): Float64Array {
  const left = def.evaluation.maxSteps - def.evaluation.onsetStep;
  return Float64Array.from(rows, (r) => {
    switch (metric) {
      case "recovery_steps": return r.recovery_steps ?? left;
      case "fall_rate": return r.fell ? 1 : 0;
      default: return Number.isFinite(r[metric]) ? r[metric] : 0;
    }
  });
}

function summarise(def: AdaptationDefinition, name: string, rows: AdaptationEpisode[], units: number, resamples: number | undefined, seed: number): ConditionResult {
  const byArm = (arm: Arm) => {
    const r = rows.filter((x) => x.arm === arm).sort((a, b) => a.unit - b.unit);
    if (r.length !== units) throw new Error(`arm ${arm} of '${name}' has ${r.length} episodes, expected ${units}`);
    return r;
  };
  const arms = {} as Record<Arm, ArmMetrics>;
  for (const arm of ARMS) {
    const r = byArm(arm);
    arms[arm] = {
      v_pre: mean(metricVector(def, r, "v_pre")),
      v_early: mean(metricVector(def, r, "v_early")),
      v_late: mean(metricVector(def, r, "v_late")),
      recovery_steps: mean(metricVector(def, r, "recovery_steps")),
      recovered_fraction: r.filter((x) => x.recovery_steps !== null).length / r.length,
      fall_rate: mean(metricVector(def, r, "fall_rate")),
      episodes: r.length,
    };
  }
  const diffs: ConditionResult["diffs"] = {};
  for (const [a, b] of DIFFS) {
    const ra = byArm(a), rb = byArm(b);
    const d = {} as ConditionResult["diffs"][string];
    for (const m of METRICS) {
      const iv: Interval = pairedDifference(metricVector(def, ra, m), metricVector(def, rb, m), { resamples, seed });
      d[m] = { mean: iv.estimate, ci: [iv.lo, iv.hi] };
    }
    diffs[`${a}-${b}`] = d;
  }
  return { condition: name, arms, diffs };
}

/** Window speeds and recovery of one episode; after a fall the robot's speed counts as 0 (it has not recovered). */
function toEpisode(def: AdaptationDefinition, arm: Arm, r: EpisodeRecord): AdaptationEpisode {
  const e = def.evaluation;
  const speed = new Float64Array(e.maxSteps);
  if (r.trace) speed.set(r.trace.speed.subarray(0, e.maxSteps));
  const o = e.onsetStep;
  const win = (a: number, b: number) => mean(speed.subarray(o + a, o + b));
  const rec = recoveryTime(speed, { onsetStep: o, window: e.window, fraction: e.recoveryFraction, preOnsetWindows: e.preOnsetWindows });
  return { arm, condition: r.condition, unit: r.unit, v_pre: rec.preOnsetSpeed, v_early: win(...e.earlyWindow), v_late: win(...e.lateWindow), recovery_steps: rec.steps, fell: r.fell, steps: r.steps };
}

/** A terminal table: per condition, each arm's window speeds and the paired differences with CIs. */
export function formatAdaptationReport(r: AdaptationReport): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "-");
  const lines: string[] = [`adaptation experiment (${r.split} conditions): ${r.units} paired episodes per cell, onset at step ${r.onset_step} of ${r.max_steps}`];
  for (const c of [...changedConditions(r), r.intact]) {
    lines.push("", c.condition, "  arm  v_pre   v_early v_late  recov  falls");
    for (const arm of ARMS) {
      const a = c.arms[arm];
      lines.push(`  ${arm}    ${f(a.v_pre)}  ${f(a.v_early)}  ${f(a.v_late)}  ${f(a.recovery_steps, 0).padStart(5)}  ${f(a.fall_rate, 2)}`);
    }
    for (const [k, d] of Object.entries(c.diffs)) lines.push(`  ${k}: v_late ${f(d.v_late.mean)} [${f(d.v_late.ci[0])}, ${f(d.v_late.ci[1])}]  v_early ${f(d.v_early.mean)} [${f(d.v_early.ci[0])}, ${f(d.v_early.ci[1])}]`);
  }
  return lines.join("\n");
}
