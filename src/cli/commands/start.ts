/**
 * `spikeloco start` (what `npm start` runs): the main job on local defaults. Meta-trains the default
 * plastic SNN (nm-hebb) on the Ant with ES over all cores for --minutes with the live viewer serving the
 * newest checkpoint's rollout, then evaluates the result under the robustness suite and writes an HTML
 * report into the run folder.
 *
 * The run folder is one per env and agent (runs/start-<env>-<agent>), so `start --env hexapod` never
 * continues the Ant run; starting again continues that folder's run. An --out holding a run of another
 * env or agent is refused.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { defined } from "../../core/defined.ts";
import type { Checkpoint } from "../../policy/checkpoint.ts";
import type { Interrupt } from "../interrupt.ts";
import type { LocomotionPlan, LocomotionSummary } from "../train/locomotion.ts";
import { EXIT, action, checkWorkers, choiceOption, intOption, log, minutesOption, printResult, textOption, workersOption } from "../output.ts";

interface Opts {
  env: string;
  /** An env built from a robot file (legged): the file. */
  robot?: string;
  agent: string;
  minutes: number;
  out?: string;
  workers?: number;
  forceWorkers?: boolean;
  seed: number;
  evalSeeds: number;
  eval: boolean;
  viewer: boolean;
  port: number;
  json?: boolean;
}


export function startFolder(env: string, agent: string): string {
  return join("runs", `start-${env}-${agent}`);
}

export const summary = "main job: train the plastic SNN (nm-hebb) on the Ant with ES, then evaluate its robustness";

export async function register(cmd: Command): Promise<void> {
  // the registries are imported here, not at the top: the CLI imports this module on every start
  const [{ DEFAULT_AGENT, listAgents }, { DEFAULT_ENV, envIds, envTakesRobot }] = await Promise.all([import("../../../agents/index.ts"), import("../../../envs/index.ts")]);
  const agentNames = () => listAgents().map((a) => a.name);
  cmd
    .option("--env <id>", envIds().map((id) => (envTakesRobot(id) ? `${id} (with --robot)` : id)).join(" | "), choiceOption("--env", envIds), DEFAULT_ENV)
    .option("--robot <file>", "--env legged: the robot (.urdf, .xml/.mjcf, or a robot .json from 'spikeloco robot import --out')", textOption("--robot"))
    .option("--agent <name>", `controller preset (${agentNames().join(", ")})`, choiceOption("--agent", agentNames), DEFAULT_AGENT)
    .option("--minutes <M>", "training wall time (at least 0.1)", minutesOption(), 15)
    .option("--out <dir>", "run folder (continued if it holds a run of the same env and agent); default runs/start-<env>-<agent>", textOption("--out"))
    .option("--workers <n>", "rollout worker threads (default: all cores)", workersOption())
    .option("--force-workers", "allow --workers above the number of cores")
    .option("--seed <n>", "random seed for a new run", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--eval-seeds <n>", "evaluation seeds", intOption("--eval-seeds", 1, 1000), 3)
    .option("--no-eval", "skip the evaluation after training")
    .option("--port <n>", "live viewer port (the next free one if taken)", intOption("--port", 0, 65535), 8080)
    .option("--no-viewer", "train without serving the live viewer")
    .option("--json", "print exactly one JSON object on stdout")
    .addHelpText("after", `
The run folder is one per env and agent: runs/start-ant-nm-hebb, runs/start-hexapod-static, ...
Ctrl-C saves the last generation and exits 130 (during the evaluation too; the trained run stays).`)
    .action(
      action(async (o: Opts, cmd: Command) => {
        checkWorkers(o.workers, o.forceWorkers);
        const out = o.out ?? startFolder(o.env, o.agent);
        const { checkpointExists } = await import("../../policy/checkpoint.ts");
        const { planLocomotionTraining } = await import("../train/locomotion.ts");
        let stored: Checkpoint | undefined;
        if (checkpointExists(out)) {
          const { readCheckpoint } = await import("../validate.ts");
          stored = await readCheckpoint(out, "--out");
          const cfg = stored.config as { kind?: string; env?: string; agent?: string };
          if (cfg.kind !== "locomotion") throw new SpikelocoError(`'${out}' holds a ${cfg.kind ?? "non-locomotion"} run, not a robot run; choose another --out`, "--out");
          for (const [flag, given, have] of [["--env", o.env, cfg.env], ["--agent", o.agent, cfg.agent]] as const) {
            if (given !== have) throw new SpikelocoError(`'${out}' holds a ${cfg.env}/${cfg.agent} run, not ${o.env}/${o.agent}; choose another --out (or drop it for runs/start-${o.env}-${o.agent})`, flag);
          }
        }
        const resume = stored !== undefined;
        const plan = await planLocomotionTraining(
          resume
            ? defined({ resume: out, robot: o.robot, agent: o.agent, seed: stored!.seed, minutes: o.minutes, workers: o.workers })
            : defined({ env: o.env, robot: o.robot, agent: o.agent, seed: o.seed, minutes: o.minutes, workers: o.workers, out }),
          { agent: false, seed: false },
          stored,
          "--out",
        );
        if (resume && cmd.getOptionValueSource("seed") === "cli" && o.seed !== stored!.seed) {
          throw new SpikelocoError(`'${out}' continues a run with seed ${stored!.seed}; drop --seed or choose another --out`, "--seed");
        }
        const { interruptSignal } = await import("../interrupt.ts");
        const interrupt = interruptSignal();
        let viewer: { url: string; close(): Promise<void> } | null = null;
        try {
          if (o.viewer) {
            const { attachTrainingViewer, SHIPPED_HAND_OVER } = await import("../../serve/watch.ts");
            const shipped = await shippedWalker(plan);
            if (shipped) log(`viewer: showing the shipped ${shipped.name} (${shipped.speed.toFixed(2)} m/s) until this run walks at ${SHIPPED_HAND_OVER * 100}% of its speed`);
            viewer = await attachTrainingViewer({
              envId: plan.config.env,
              envOptions: plan.config.envOptions,
              runDir: out,
              agent: plan.config.agent,
              port: o.port,
              log,
              shipped,
            });
            log(`viewer: ${viewer.url}  (live; shows the newest checkpoint after every generation)`);
          }
          log(resume ? `continuing the run in ${out} for ${o.minutes} min` : `training ${o.agent} on ${o.env} for ${o.minutes} min into ${out}`);
          if (interrupt.signal.aborted) return EXIT.interrupted;
          return await trainThenEvaluate(o, plan, interrupt);
        } finally {
          interrupt.dispose();
          await viewer?.close();
        }
      }),
    );
}

/** The zoo's nominal walker for this run's env and agent ("ant-nm-hebb"), if one was shipped for the same env options. */
async function shippedWalker(plan: LocomotionPlan): Promise<{ dir: string; name: string; speed: number; runMetrics: string } | undefined> {
  const { listZoo, zooCheckpoint } = await import("../../policy/zoo.ts");
  const { METRICS_FILE } = await import("../../train/metrics.ts");
  const name = `${plan.config.env}-${plan.config.agent}`;
  const meta = listZoo().find((m) => m.name === name);
  if (!meta || JSON.stringify(meta.env.options) !== JSON.stringify(plan.config.envOptions ?? {})) return undefined;
  return { dir: zooCheckpoint(name), name, speed: meta.eval.speed, runMetrics: join(plan.out, METRICS_FILE) };
}

async function trainThenEvaluate(o: Opts, plan: LocomotionPlan, interrupt: Interrupt): Promise<number> {
  const { runLocomotionTraining, formatLocomotionSummary } = await import("../train/locomotion.ts");
  const training: LocomotionSummary = await runLocomotionTraining(plan, interrupt);
  const finish = (evaluation: Record<string, unknown> | null, code: number) => {
    printResult({ training, evaluation }, !!o.json, (r) => `${formatLocomotionSummary(r.training)}${r.evaluation ? `\nevaluation report: ${r.evaluation.report}` : ""}`);
    return code;
  };
  if (training.stopped_by === "signal") return finish(null, EXIT.interrupted);
  if (!o.eval) return finish(null, EXIT.done);

  const { loadSuite } = await import("../../eval/suite.ts");
  const { evaluate } = await import("../../eval/evaluate.ts");
  const { whenInterrupted } = await import("../../train/threads.ts");
  const { progressFromEvents } = await import("../progress.ts");
  const { claimRunFolder } = await import("../validate.ts");
  log(`evaluating ${plan.out} under the robustness suite (${o.evalSeeds} seed${o.evalSeeds > 1 ? "s" : ""}; Ctrl-C stops it, the trained run stays)`);
  interrupt.setMessage("stopping the evaluation; the trained run is saved");
  // keep the folder locked while the evaluation reads it and writes its report there
  const claim = claimRunFolder(plan.out, plan.outField);
  const progress = progressFromEvents("episodes", "eval robustness");
  try {
    const report = await evaluate({
      checkpoints: [plan.out],
      suite: loadSuite("robustness"),
      seeds: Array.from({ length: o.evalSeeds }, (_, i) => i),
      episodesPerSeed: 1,
      ablation: true,
      workers: plan.workers,
      resamples: 2000,
      onWarning: (message) => log(`warning: ${message}`),
      onProgress: progress.onProgress,
      signal: interrupt.signal,
    })
      .catch(whenInterrupted(null))
      .finally(progress.stop);
    if (!report) {
      log(`spikeloco: evaluation stopped before a paired unit finished; the trained run is saved in ${plan.out} (evaluate it with: spikeloco eval --checkpoint ${plan.out})`);
      return finish(null, EXIT.interrupted);
    }
    const { renderHtmlReport } = await import("../../eval/report-html.ts");
    const { renderTable } = await import("../../eval/table.ts");
    const { writeFileSync } = await import("node:fs");
    const html = join(plan.out, "eval.html");
    writeFileSync(html, renderHtmlReport(report));
    writeFileSync(join(plan.out, "eval.json"), JSON.stringify(report));
    log(renderTable(report));
    if (report.interrupted) {
      const i = report.interrupted;
      log(`spikeloco: evaluation stopped after ${i.episodesDone}/${i.episodesPlanned} episodes; the report keeps the ${report.units} of ${i.unitsPlanned} paired units that finished`);
    }
    return finish({ report: html, json: join(plan.out, "eval.json") }, report.interrupted ? EXIT.interrupted : EXIT.done);
  } finally {
    claim.release();
  }
}
