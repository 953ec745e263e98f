/**
 * What `spikeloco train` does once its flags are parsed: build or resume the configuration, refuse
 * conflicting flags with specific reasons, run training with a progress bar on stderr, save on Ctrl-C.
 */
import { join, resolve } from "node:path";
import type { NatsFlags } from "../../train/distributed/flags.ts";
import { distributedOptions, poolPayload } from "../../train/distributed/cli.ts";
import { SpikelocoError } from "../../core/errors.ts";
import { checkpointExists, loadCheckpoint, type Checkpoint } from "../../policy/checkpoint.ts";
import { createProgress } from "../progress.ts";
import { LOCOMOTION_DEFAULTS, readConditionsFile, type LocomotionTrainConfig } from "../../train/config.ts";

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
  groupScaling?: "none" | "init-rms";
  workers?: number;
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

export function defaultOutDir(kind: string, agent: string, seed: number): string {
  return join("runs", `${kind}-${agent}-s${seed}`);
}

function refuseOverwrite(dir: string): void {
  if (checkpointExists(dir)) {
    throw new SpikelocoError(`'${dir}' already holds a checkpoint; pass --resume ${dir} to continue it or choose another --out`, "--out");
  }
}

/** Abort on the first Ctrl-C (the loop saves and returns); a second one exits at once. */
export interface Interrupt {
  signal: AbortSignal;
  dispose: () => void;
}

export function interruptSignal(doing = "saving the last completed generation and exiting"): Interrupt {
  const controller = new AbortController();
  const onInt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nspikeloco: interrupted — ${doing} (Ctrl-C again to force)\n`);
    controller.abort();
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onInt);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onInt);
    },
  };
}

function resumeConflicts(flags: TrainFlags, explicitAgent: boolean, cfg: LocomotionTrainConfig, seed: number): void {
  const clash = (flag: string, given: unknown, stored: unknown) => {
    if (given !== undefined && given !== stored) {
      throw new SpikelocoError(`conflicts with the checkpoint being resumed (${String(given)} given, run was trained with ${String(stored)})`, flag);
    }
  };
  clash("--env", flags.env, cfg.env);
  if (explicitAgent) clash("--agent", flags.agent, cfg.agent);
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
  if (flags.conditions !== undefined) throw new SpikelocoError("cannot change training conditions of a resumed run", "--conditions");
  if (flags.init !== undefined) throw new SpikelocoError("--init sets where a new run starts; a resumed run continues from its checkpoint", "--init");
  if (flags.seed !== 0 && flags.seed !== seed) clash("--seed", flags.seed, seed);
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
 * `interrupt`: pass one created before slow setup (a viewer, say) so an early Ctrl-C also stops cleanly;
 * the caller then disposes it.
 */
export async function runLocomotionTraining(flags: TrainFlags, explicitAgent: boolean, interrupt?: Interrupt): Promise<LocomotionSummary> {
  let resume: Checkpoint | undefined;
  let config: LocomotionTrainConfig;
  let seed = flags.seed;
  let out: string;
  if (flags.resume) {
    resume = await loadCheckpoint(flags.resume);
    const stored = resume.config as Partial<LocomotionTrainConfig>;
    if (stored.kind !== "locomotion") throw new SpikelocoError(`'${flags.resume}' is not a locomotion training run`, "--resume");
    config = stored as LocomotionTrainConfig;
    seed = resume.seed;
    resumeConflicts(flags, explicitAgent, config, seed);
    if (flags.out && flags.out !== flags.resume) throw new SpikelocoError("a resumed run continues in its own directory; drop --out or make it equal to --resume", "--out");
    out = flags.resume;
  } else {
    const conditions = flags.conditions ? readConditionsFile(flags.conditions) : {};
    config = {
      kind: "locomotion",
      env: flags.env!,
      agent: flags.agent,
      algo: flags.algo ?? LOCOMOTION_DEFAULTS.algo,
      popSize: flags.population ?? LOCOMOTION_DEFAULTS.popSize,
      sigma: flags.sigma ?? LOCOMOTION_DEFAULTS.sigma,
      lr: flags.lr ?? (flags.algo === "pgpe" ? 0.05 : LOCOMOTION_DEFAULTS.lr),
      weightDecay: flags.weightDecay ?? LOCOMOTION_DEFAULTS.weightDecay,
      weightDecayMode: LOCOMOTION_DEFAULTS.weightDecayMode,
      groupScaling: flags.groupScaling ?? LOCOMOTION_DEFAULTS.groupScaling,
      episodesPerMember: flags.episodes ?? LOCOMOTION_DEFAULTS.episodesPerMember,
      maxSteps: flags.maxSteps ?? LOCOMOTION_DEFAULTS.maxSteps,
      normalizerClip: LOCOMOTION_DEFAULTS.normalizerClip,
      evalCenterEvery: LOCOMOTION_DEFAULTS.evalCenterEvery,
      conditions,
      envOptions: envOptionsFromFlags(flags),
      ...(flags.init !== undefined ? { init: flags.init } : {}),
    };
    out = flags.out ?? defaultOutDir(config.env, config.agent, seed);
    refuseOverwrite(out);
  }
  const generations = flags.generations ?? (flags.minutes === undefined ? Math.max(100, (resume?.training.generation ?? 0) + 1) : undefined);
  if (resume && generations !== undefined && generations <= resume.training.generation) {
    throw new SpikelocoError(`the run in '${flags.resume}' has already completed ${resume.training.generation} generations; ask for more`, "--generations");
  }

  const distributed = flags.nats ? distributedOptions(flags, out) : undefined;
  const { trainLocomotion } = await import("../../train/locomotion.ts");
  // With --minutes the bar counts seconds (ETA = time left); otherwise it counts generations.
  const byTime = flags.minutes !== undefined;
  const total = byTime ? Math.round(flags.minutes! * 60) : generations!;
  const progress = createProgress(total, byTime ? "s" : "gen", `train ${config.env}/${config.agent}`);
  const started = Date.now();
  const ownInterrupt = interrupt ? null : interruptSignal();
  const { signal } = interrupt ?? ownInterrupt!;
  let shown: { done: number; payload: Record<string, string | number> } = { done: 0, payload: {} };
  const show = (done: number, payload: Record<string, string | number>) => {
    shown = { done, payload: { ...shown.payload, ...payload } };
    progress.update(done, shown.payload);
  };
  if (distributed) distributed.onStatus = (s) => show(byTime ? (Date.now() - started) / 1000 : shown.done, poolPayload(s));
  try {
    const result = await trainLocomotion({
      config,
      seed,
      outDir: out,
      generations,
      minutes: flags.minutes,
      workers: flags.workers,
      resume,
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
    if (result.stoppedBy === "signal") process.stderr.write(`spikeloco: saved generation ${result.generation} to ${out}\n`);
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
