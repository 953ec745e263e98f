/**
 * What `spikeloco train --env` (and `start`) does once its flags are parsed, in two steps:
 * `planLocomotionTraining` checks everything (flags, conditions against the robot, the checkpoint being
 * resumed, the run folder) and writes nothing; `runLocomotionTraining` claims the run folder (creates and
 * locks it), trains with a progress bar on stderr, and saves on Ctrl-C.
 */
import { join, resolve } from "node:path";
import { canonicalJson } from "../../core/canonical.ts";
import { SpikelocoError, isSpikelocoError } from "../../core/errors.ts";
import type { NatsFlags } from "../../train/distributed/flags.ts";
import { checkpointExists, type Checkpoint } from "../../policy/checkpoint.ts";
import { runOrZooCheckpoint } from "../../policy/zoo.ts";
import { parseConditions, type Conditions } from "../../env/conditions.ts";
import { LOCOMOTION_DEFAULTS, readConditionsFile, type LocomotionTrainConfig } from "../../train/config.ts";
import type { GroupScales, GroupScaling } from "../../train/es/groups.ts";
import { interruptSignal, type Interrupt } from "../interrupt.ts";
import { log } from "../output.ts";
import { createProgress } from "../progress.ts";
import { checkConditionsForEnv, checkEnvOptions, checkRunFolder, checkStoredNetwork, claimRunFolder, envOptionsOf, readCheckpoint } from "../validate.ts";

export interface TrainFlags extends NatsFlags {
  env?: string;
  /** --env legged: robot file. */
  robot?: string;
  task?: string;
  agent: string;
  algo?: "es" | "pgpe";
  generations?: number;
  minutes?: number;
  population?: number;
  episodes?: number;
  maxSteps?: number;
  clockHz?: number;
  sigma?: number;
  lr?: number;
  weightDecay?: number;
  groupScaling?: GroupScaling;
  groupScale?: GroupScales;
  workers?: number;
  forceWorkers?: boolean;
  conditions?: string;
  init?: string;
  out?: string;
  resume?: string;
  seed: number;
  json?: boolean;
  noise?: number;
  cues?: number;
  iterations?: number;
  batch?: number;
  watch?: true | number;
  runId?: string;
  natsTimeout?: number;
}

/** The env options a new run stores in its checkpoint (eval and the viewer rebuild the env from them). */
export function envOptionsFromFlags(flags: TrainFlags): { clockHz: number; robot?: string } {
  const options: { clockHz: number; robot?: string } = { clockHz: flags.clockHz ?? LOCOMOTION_DEFAULTS.clockHz };
  if (flags.env === "legged") {
    if (!flags.robot) throw new SpikelocoError("--env legged needs --robot <file>", "--robot");
    options.robot = resolve(flags.robot);
  } else if (flags.robot !== undefined) {
    throw new SpikelocoError("--robot is only for --env legged", "--robot");
  }
  return options;
}

/** A conditions file, its errors naming the flag and the file. */
export function readConditionsFlag(path: string, flag = "--conditions"): Conditions {
  if (path.trim() === "") throw new SpikelocoError("must not be empty", flag);
  try {
    return readConditionsFile(path);
  } catch (err) {
    if (isSpikelocoError(err) && err.path?.startsWith("conditions")) throw new SpikelocoError(err.message, `${flag} ${path}`);
    throw err;
  }
}

export function defaultOutDir(kind: string, agent: string, seed: number): string {
  return join("runs", `${kind}-${agent}-s${seed}`);
}

export function refuseOverwrite(dir: string, field = "--out"): void {
  if (checkpointExists(dir)) {
    throw new SpikelocoError(`'${dir}' already holds a checkpoint; pass --resume ${dir} to continue it or choose another --out`, field);
  }
}

/** Flags given on the command line that a resumed run must not contradict. */
export interface ExplicitFlags {
  agent: boolean;
  seed: boolean;
}

function resumeConflicts(flags: TrainFlags, explicit: ExplicitFlags, cfg: LocomotionTrainConfig, seed: number): void {
  const clash = (flag: string, given: unknown, stored: unknown) => {
    if (given !== undefined && given !== stored) {
      throw new SpikelocoError(`conflicts with the checkpoint being resumed (${String(given)} given, run was trained with ${String(stored)})`, flag);
    }
  };
  clash("--env", flags.env, cfg.env);
  if (explicit.agent) clash("--agent", flags.agent, cfg.agent);
  clash("--algo", flags.algo, cfg.algo);
  clash("--population", flags.population, cfg.popSize);
  clash("--episodes", flags.episodes, cfg.episodesPerMember);
  clash("--max-steps", flags.maxSteps, cfg.maxSteps);
  clash("--clock-hz", flags.clockHz, cfg.envOptions?.clockHz ?? 0);
  if (flags.robot !== undefined) clash("--robot", resolve(flags.robot), cfg.envOptions?.robot);
  clash("--sigma", flags.sigma, cfg.sigma);
  clash("--lr", flags.lr, cfg.lr);
  clash("--weight-decay", flags.weightDecay, cfg.weightDecay);
  clash("--group-scaling", flags.groupScaling, cfg.groupScaling ?? "none");
  if (flags.groupScale !== undefined) clash("--group-scale", canonicalJson(flags.groupScale), canonicalJson(cfg.groupScales ?? {}));
  if (flags.conditions !== undefined) throw new SpikelocoError("cannot change training conditions of a resumed run", "--conditions");
  if (flags.init !== undefined) throw new SpikelocoError("--init sets where a new run starts; a resumed run continues from its checkpoint", "--init");
  if (explicit.seed) clash("--seed", flags.seed, seed);
}

export interface LocomotionPlan {
  config: LocomotionTrainConfig;
  seed: number;
  out: string;
  /** The flag that named the run folder (for messages). */
  outField: string;
  resume?: Checkpoint | undefined;
  generations?: number | undefined;
  minutes?: number | undefined;
  workers?: number | undefined;
  /** --nats: the distributed pool's options (checked in the plan). */
  distributed?: DistributedPlan | undefined;
}

type DistributedPlan = ReturnType<typeof import("../../train/distributed/cli.ts").distributedOptions>;

/** A resumed run's stored configuration, checked as a new one would be (an old run may predate a check). */
async function checkStoredRun(dir: string, ckpt: Checkpoint, cfg: LocomotionTrainConfig, flag: string): Promise<void> {
  await checkStoredNetwork(ckpt, `${flag} ${dir}`);
  const { envDefinition } = await import("../../../envs/index.ts");
  try {
    envDefinition(cfg.env);
  } catch (err) {
    throw new SpikelocoError(`the run's config names ${(err as Error).message.replace(/^env: /, "")}`, `${flag} ${dir}`);
  }
  const conditions = parseConditions(cfg.conditions, `${flag} ${dir}: config.conditions`);
  await checkConditionsForEnv(cfg.env, envOptionsOf(cfg as unknown as Record<string, unknown>), [{ conditions, where: `${flag} ${dir}: config` }]);
}

/** Every --group-scale key names a parameter group of the agent's network (checked before the run folder is made). */
async function checkGroupScales(config: LocomotionTrainConfig, field: string): Promise<void> {
  const [{ makeEnv }, { loadAgentSpec }, { buildLayout }, { applyGroupScales, parameterGroups }] = await Promise.all([
    import("../../../envs/index.ts"),
    import("../../policy/presets.ts"),
    import("../../snn/layout.ts"),
    import("../../train/es/groups.ts"),
  ]);
  const env = await makeEnv(config.env, config.envOptions ?? {});
  const dims = { obsDim: env.observationSpace.shape[0]!, actDim: env.actionSpace.shape[0]! };
  env.close();
  const layout = buildLayout(await loadAgentSpec(config.agent, dims));
  applyGroupScales(parameterGroups(layout, new Float32Array(layout.size), "none"), config.groupScales, field);
}

/**
 * Check everything a locomotion run needs; writes nothing. `resumeFlag` names the flag that gave the
 * folder being continued (`start` continues its --out).
 */
export async function planLocomotionTraining(flags: TrainFlags, explicit: ExplicitFlags, resumeCkpt?: Checkpoint, resumeFlag = "--resume"): Promise<LocomotionPlan> {
  let config: LocomotionTrainConfig;
  let seed = flags.seed;
  let out: string;
  let resume: Checkpoint | undefined;
  let outField = "--out";
  if (flags.resume !== undefined) {
    resume = resumeCkpt ?? (await readCheckpoint(flags.resume, resumeFlag));
    const stored = resume.config as Partial<LocomotionTrainConfig>;
    if (stored.kind !== "locomotion") throw new SpikelocoError(`'${flags.resume}' is not a locomotion training run`, resumeFlag);
    config = stored as LocomotionTrainConfig;
    seed = resume.seed;
    resumeConflicts(flags, explicit, config, seed);
    if (flags.out !== undefined && flags.out !== flags.resume) throw new SpikelocoError("a resumed run continues in its own directory; drop --out or make it equal to --resume", "--out");
    await checkStoredRun(flags.resume, resume, config, resumeFlag);
    out = flags.resume;
    outField = resumeFlag;
  } else {
    if (!flags.env) throw new SpikelocoError("give --env <id> or --task <name> (or --resume DIR)", "--env");
    const conditions = flags.conditions !== undefined ? readConditionsFlag(flags.conditions) : {};
    config = {
      kind: "locomotion",
      env: flags.env,
      agent: flags.agent,
      algo: flags.algo ?? LOCOMOTION_DEFAULTS.algo,
      popSize: flags.population ?? LOCOMOTION_DEFAULTS.popSize,
      sigma: flags.sigma ?? LOCOMOTION_DEFAULTS.sigma,
      lr: flags.lr ?? (flags.algo === "pgpe" ? 0.05 : LOCOMOTION_DEFAULTS.lr),
      weightDecay: flags.weightDecay ?? LOCOMOTION_DEFAULTS.weightDecay,
      weightDecayMode: LOCOMOTION_DEFAULTS.weightDecayMode,
      groupScaling: flags.groupScaling ?? LOCOMOTION_DEFAULTS.groupScaling,
      ...(flags.groupScale !== undefined ? { groupScales: flags.groupScale } : {}),
      episodesPerMember: flags.episodes ?? LOCOMOTION_DEFAULTS.episodesPerMember,
      maxSteps: flags.maxSteps ?? LOCOMOTION_DEFAULTS.maxSteps,
      normalizerClip: LOCOMOTION_DEFAULTS.normalizerClip,
      evalCenterEvery: LOCOMOTION_DEFAULTS.evalCenterEvery,
      conditions,
      envOptions: envOptionsFromFlags(flags),
      ...(flags.init !== undefined ? { init: flags.init } : {}),
    };
    if (flags.init !== undefined) runOrZooCheckpoint(flags.init, "--init");
    if (config.groupScales) await checkGroupScales(config, "--group-scale");
    if (flags.conditions !== undefined) {
      await checkConditionsForEnv(config.env, config.envOptions ?? {}, [{ conditions, where: `--conditions ${flags.conditions}` }]);
    } else if (config.env === "legged") {
      await checkEnvOptions(config.env, config.envOptions ?? {}); // reads and checks the --robot file
    }
    out = flags.out ?? defaultOutDir(config.env, config.agent, seed);
  }
  checkRunFolder(out, outField);
  if (!resume) refuseOverwrite(out);
  const generations = flags.generations ?? (flags.minutes === undefined ? Math.max(100, (resume?.training.generation ?? 0) + 1) : undefined);
  if (resume && generations !== undefined && generations <= resume.training.generation) {
    throw new SpikelocoError(`the run in '${flags.resume}' has already completed ${resume.training.generation} generations; ask for more`, "--generations");
  }
  // --nats: URL, credentials, certificate files and run id are checked here, before any work
  const distributed = flags.nats ? (await import("../../train/distributed/cli.ts")).distributedOptions(flags, out) : undefined;
  return { config, seed, out, outField, resume, generations, minutes: flags.minutes, workers: flags.workers, distributed };
}

export interface LocomotionSummary {
  kind: "locomotion";
  out: string;
  env: string;
  agent: string;
  algo: string;
  seed: number;
  generation: number;
  stopped_by: string;
  params: number;
  workers: number;
  last: Record<string, unknown> | null;
  wall_s: number;
  total_sim_seconds: number;
  sim_seconds_per_wall_second: number;
  /** --nats: the run id on the server and the pool's totals (workers, cores, re-issued members, bytes). */
  nats?: { url: string; run_id: string; pool: Record<string, number> };
}

/**
 * Claim the run folder and train. `interrupt`: pass one created before slow setup (a viewer, say) so an
 * early Ctrl-C also stops cleanly; the caller then disposes it.
 */
export async function runLocomotionTraining(plan: LocomotionPlan, interrupt?: Interrupt): Promise<LocomotionSummary> {
  const { config, seed, out } = plan;
  const claim = claimRunFolder(out, plan.outField);
  const { trainLocomotion } = await import("../../train/locomotion.ts");
  // With --minutes the bar counts seconds up to the deadline; otherwise it counts generations.
  const byTime = plan.minutes !== undefined;
  const started = Date.now();
  const progress = createProgress({
    total: byTime ? Math.round(plan.minutes! * 60) : plan.generations!,
    unit: byTime ? "s" : "gen",
    label: `train ${config.env}/${config.agent}`,
    deadline: byTime ? started + plan.minutes! * 60_000 : undefined,
  });
  const ownInterrupt = interrupt ? null : interruptSignal();
  const { signal } = interrupt ?? ownInterrupt!;
  const { distributed } = plan;
  let shown: { done: number; payload: Record<string, string | number> } = { done: 0, payload: {} };
  const show = (done: number, payload: Record<string, string | number>) => {
    shown = { done, payload: { ...shown.payload, ...payload } };
    progress.update(done, shown.payload);
  };
  if (distributed) {
    const { poolPayload } = await import("../../train/distributed/cli.ts");
    distributed.log = log;
    distributed.onStatus = (st) => show(byTime ? (Date.now() - started) / 1000 : shown.done, poolPayload(st));
  }
  try {
    const result = await trainLocomotion({
      config,
      seed,
      outDir: out,
      generations: plan.generations,
      minutes: plan.minutes,
      workers: plan.workers,
      resume: plan.resume,
      signal,
      distributed,
      onGeneration: (row) => {
        const done = byTime ? (Date.now() - started) / 1000 : row.generation + 1;
        const center = typeof row.center_return === "number" ? ` center ${row.center_return.toFixed(1)}` : "";
        show(done, {
          gen: row.generation + 1,
          return: `${(row.return_mean as number).toFixed(1)} (max ${(row.return_max as number).toFixed(1)})${center}`,
          "sim-s/s": (row.sim_seconds_per_wall_second as number).toFixed(0),
        });
      },
    });
    progress.stop();
    if (result.stoppedBy === "signal") log(`spikeloco: saved generation ${result.generation} to ${out}`);
    return {
      kind: "locomotion",
      out,
      env: config.env,
      agent: config.agent,
      algo: config.algo,
      seed,
      generation: result.generation,
      stopped_by: result.stoppedBy,
      params: result.dim,
      workers: result.workers,
      last: result.last,
      wall_s: result.info.elapsedSeconds,
      total_sim_seconds: result.info.totalSimSeconds,
      sim_seconds_per_wall_second: result.info.elapsedSeconds > 0 ? result.info.totalSimSeconds / result.info.elapsedSeconds : 0,
      ...(distributed && result.pool ? { nats: { url: distributed.display, run_id: distributed.runId, pool: result.pool } } : {}),
    };
  } finally {
    progress.stop();
    ownInterrupt?.dispose();
    claim.release();
  }
}

export function formatLocomotionSummary(s: LocomotionSummary): string {
  const last = s.last ?? {};
  const fmt = (v: unknown) => (typeof v === "number" ? v.toFixed(3) : "-");
  return [
    `trained ${s.env} / ${s.agent} with ${s.algo} (seed ${s.seed}, ${s.params} parameters, ${s.workers} workers)`,
    `generations: ${s.generation} (stopped by ${s.stopped_by}), wall ${s.wall_s.toFixed(1)} s, ${s.sim_seconds_per_wall_second.toFixed(1)} sim-s per wall-s`,
    `last generation: return mean ${fmt(last.return_mean)} max ${fmt(last.return_max)}, forward speed ${fmt(last.forward_speed)} m/s`,
    ...(s.nats ? [`NATS ${s.nats.url} run ${s.nats.run_id}: ${s.nats.pool.joinedWorkers} workers joined, ${s.nats.pool.reissued} members re-issued, ${s.nats.pool.duplicates} duplicate results ignored`] : []),
    `checkpoint and metrics.jsonl in ${s.out}`,
  ].join("\n");
}
