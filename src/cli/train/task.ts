/**
 * `spikeloco train --task NAME`: BPTT meta-training on a temporal task through the tensor engine.
 * Checkpoints (params + Adam state) every `CHECKPOINT_EVERY` iterations and at the end; metrics.jsonl
 * holds one row per iteration; --resume continues bit for bit (batches derive from the iteration index).
 */
import { SpikelocoError } from "../../core/errors.ts";
import type { BpttRow } from "../../train/bptt/trainer.ts";
import type { AdamState } from "../../train/optim/adam.ts";
import { makeTask } from "../../train/tasks/index.ts";
import type { TemporalTask } from "../../train/tasks/types.ts";
import { initParams } from "../../snn/layout.ts";
import { parseNetworkSpec } from "../../snn/spec.ts";
import { loadAgentSpec } from "../../policy/presets.ts";
import { saveCheckpoint, type Checkpoint } from "../../policy/checkpoint.ts";
import { MetricsLog } from "../../train/metrics.ts";
import { interruptSignal, type Interrupt } from "../interrupt.ts";
import { log } from "../output.ts";
import { createProgress } from "../progress.ts";
import { checkRunFolder, checkStoredNetwork, claimRunFolder, readCheckpoint } from "../validate.ts";
import { defaultOutDir, refuseOverwrite, type TrainFlags } from "./locomotion.ts";

const CHECKPOINT_EVERY = 10;

export interface TaskTrainConfig {
  kind: "task";
  task: string;
  taskOptions: { K?: number; noise?: number };
  agent: string;
  hidden: number;
  batch: number;
  lr: number;
  clipNorm: number;
  evalEvery: number;
  evalBatch: number;
}

export const TASK_DEFAULTS = { hidden: 64, batch: 16, lr: 0.01, clipNorm: 1, evalEvery: 25, evalBatch: 128, iterations: 300 };

export interface TaskSummary {
  kind: "task";
  out: string;
  task: string;
  agent: string;
  seed: number;
  iteration: number;
  stopped_by: string;
  backend: string;
  params: number;
  chance: number;
  final_eval_accuracy: number | null;
  last: BpttRow | null;
  wall_s: number;
}

export function taskFromConfig(cfg: TaskTrainConfig): TemporalTask {
  return makeTask(cfg.task, cfg.taskOptions);
}

export interface TaskPlan {
  cfg: TaskTrainConfig;
  task: TemporalTask;
  seed: number;
  out: string;
  outField: string;
  resume?: Checkpoint | undefined;
  /** The resumed run's Adam state (none: a fresh optimiser). */
  adamState?: AdamState | undefined;
  iterations?: number | undefined;
  minutes?: number | undefined;
}

/** Check everything a task run needs (task options, agent, the checkpoint being resumed, the run folder); writes nothing. */
export async function planTaskTraining(flags: TrainFlags, resumeCkpt?: Checkpoint): Promise<TaskPlan> {
  let resume: Checkpoint | undefined;
  let cfg: TaskTrainConfig;
  let seed = flags.seed;
  let out: string;
  let outField = "--out";
  if (flags.resume !== undefined) {
    resume = resumeCkpt ?? (await readCheckpoint(flags.resume, "--resume"));
    if ((resume.config as { kind?: string }).kind !== "task") throw new SpikelocoError(`'${flags.resume}' is not a task training run`, "--resume");
    cfg = resume.config as unknown as TaskTrainConfig;
    if (flags.task && flags.task !== cfg.task) throw new SpikelocoError(`conflicts with the checkpoint being resumed (${flags.task} given, run was trained on ${cfg.task})`, "--task");
    if (flags.out !== undefined && flags.out !== flags.resume) throw new SpikelocoError("a resumed run continues in its own directory; drop --out or make it equal to --resume", "--out");
    seed = resume.seed;
    out = flags.resume;
    outField = "--resume";
    await checkStoredNetwork(resume, `--resume ${flags.resume}`);
  } else {
    cfg = {
      kind: "task",
      task: flags.task!,
      taskOptions: { ...(flags.cues !== undefined ? { K: flags.cues } : {}), ...(flags.noise !== undefined ? { noise: flags.noise } : {}) },
      agent: flags.agent,
      hidden: TASK_DEFAULTS.hidden,
      batch: flags.batch ?? TASK_DEFAULTS.batch,
      lr: flags.lr ?? TASK_DEFAULTS.lr,
      clipNorm: TASK_DEFAULTS.clipNorm,
      evalEvery: TASK_DEFAULTS.evalEvery,
      evalBatch: TASK_DEFAULTS.evalBatch,
    };
    out = flags.out ?? defaultOutDir(cfg.task, cfg.agent, seed);
  }
  const task = taskFromConfig(cfg);
  checkRunFolder(out, outField);
  if (!resume) refuseOverwrite(out);
  const start = resume?.training.generation ?? 0;
  const iterations = flags.iterations ?? (flags.minutes === undefined ? Math.max(TASK_DEFAULTS.iterations, start + 1) : undefined);
  if (iterations !== undefined && iterations <= start) throw new SpikelocoError(`the run has already completed ${start} iterations; ask for more`, "--iterations");
  const adamState = resume ? storedAdamState(resume, "--resume") : undefined;
  return { cfg, task, seed, out, outField, resume, adamState, iterations, minutes: flags.minutes };
}

/** The Adam state a task checkpoint stores beside its params (t, m, v), checked; undefined if it stores none. */
function storedAdamState(ckpt: Checkpoint, field: string): AdamState | undefined {
  const searcher = ckpt.training.searcher;
  if (!searcher) return undefined;
  const t = searcher.scalars["t"];
  const { m, v } = searcher.arrays;
  const n = ckpt.params.length;
  if (typeof t !== "number" || !(m instanceof Float64Array) || !(v instanceof Float64Array) || m.length !== n || v.length !== n) {
    throw new SpikelocoError(`the checkpoint's Adam state (training.searcher: scalars.t, arrays m and v of ${n} float64) is incomplete`, field);
  }
  return { t, m, v };
}

export async function runTaskTraining(plan: TaskPlan, interrupt?: Interrupt): Promise<TaskSummary> {
  const { cfg, task, seed, out, resume, adamState, iterations } = plan;
  const { trainBptt } = await import("../../train/bptt/trainer.ts"); // tfjs: loaded only to train
  const spec = resume ? parseNetworkSpec(resume.spec) : await loadAgentSpec(cfg.agent, { obsDim: task.nIn, actDim: task.nOut }).then((s) =>
    parseNetworkSpec({ ...s, hidden: { ...s.hidden, size: cfg.hidden } }),
  );
  const params = resume ? resume.params : initParams(spec, seed);
  const start = resume?.training.generation ?? 0;

  const claim = claimRunFolder(out, plan.outField);
  const ownInterrupt = interrupt ? null : interruptSignal("saving the last iteration and exiting");
  const { signal } = interrupt ?? ownInterrupt!;
  const byTime = plan.minutes !== undefined;
  const started = Date.now();
  const progress = createProgress({
    total: byTime ? Math.round(plan.minutes! * 60) : iterations!,
    unit: byTime ? "s" : "it",
    label: `train ${cfg.task}/${cfg.agent}`,
    deadline: byTime ? started + plan.minutes! * 60_000 : undefined,
  });
  try {
    const metrics = new MetricsLog(out);
    metrics.truncateTo(start);
    const save = (iteration: number, p: Float32Array, adam: { t: number; m: Float64Array; v: Float64Array }, elapsed: number) =>
      saveCheckpoint(out, {
        spec,
        params: p,
        config: { ...cfg },
        normalizer: null,
        seed,
        training: { generation: iteration, searcher: { algo: "bptt", generation: iteration, scalars: { t: adam.t }, arrays: { m: adam.m, v: adam.v } }, info: { elapsedSeconds: elapsed } },
      });
    let elapsed = (resume?.training.info?.elapsedSeconds as number | undefined) ?? 0;
    let lastEval: number | null = null;
    const result = await trainBptt({
      spec,
      task,
      params,
      seed,
      iterations,
      deadline: byTime ? started + plan.minutes! * 60_000 : undefined,
      startIteration: start,
      adamState,
      batch: cfg.batch,
      lr: cfg.lr,
      clipNorm: cfg.clipNorm,
      evalEvery: cfg.evalEvery,
      evalBatch: cfg.evalBatch,
      signal,
      onIteration: (row) => {
        elapsed += row.wall_s;
        metrics.append({ generation: row.iteration, ...row });
        if (row.eval_accuracy !== undefined) lastEval = row.eval_accuracy;
        progress.update(byTime ? (Date.now() - started) / 1000 : row.iteration + 1, {
          loss: row.loss.toFixed(3),
          acc: row.train_accuracy.toFixed(2),
          ...(lastEval !== null ? { eval: lastEval.toFixed(3) } : {}),
        });
      },
      onCheckpoint: (iteration, p, adam) => {
        if (iteration % CHECKPOINT_EVERY === 0) save(iteration, p, adam, elapsed);
      },
    });
    save(result.iteration, result.params, result.adam, elapsed);
    progress.stop();
    if (result.stoppedBy === "signal") log(`spikeloco: saved iteration ${result.iteration} to ${out}`);
    return {
      kind: "task",
      out,
      task: cfg.task,
      agent: cfg.agent,
      seed,
      iteration: result.iteration,
      stopped_by: result.stoppedBy,
      backend: result.backend,
      params: params.length,
      chance: task.chance,
      final_eval_accuracy: result.finalEval ?? lastEval,
      last: result.rows.at(-1) ?? null,
      wall_s: elapsed,
    };
  } finally {
    progress.stop();
    ownInterrupt?.dispose();
    claim.release();
  }
}

export function formatTaskSummary(s: TaskSummary): string {
  const acc = s.final_eval_accuracy === null ? "-" : `${(100 * s.final_eval_accuracy).toFixed(1)}%`;
  return [
    `trained ${s.agent} on ${s.task} by BPTT (${s.backend} backend, seed ${s.seed}, ${s.params} parameters)`,
    `iterations: ${s.iteration} (stopped by ${s.stopped_by}), wall ${s.wall_s.toFixed(1)} s`,
    `held-out query accuracy: ${acc} (chance ${(100 * s.chance).toFixed(1)}%)`,
    `checkpoint and metrics.jsonl in ${s.out}`,
  ].join("\n");
}
