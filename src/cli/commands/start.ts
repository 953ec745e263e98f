/**
 * `spikeloco start` (what `npm start` runs): the main job on local defaults. Meta-trains the default
 * plastic SNN (nm-hebb) on the Ant with ES over all cores for --minutes (continuing the run in --out if one
 * is there) with the live viewer serving the newest checkpoint's rollout, then evaluates the result under
 * the robustness suite and writes an HTML report.
 */
import { join } from "node:path";
import type { Command } from "commander";
import type { Interrupt } from "../train/locomotion.ts";
import { action, floatOption, intOption, log, printResult } from "../output.ts";

interface Opts {
  env: string;
  agent: string;
  minutes: number;
  out: string;
  workers?: number;
  seed: number;
  evalSeeds: number;
  eval: boolean;
  viewer: boolean;
  port: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("start")
    .description("main job: train the plastic SNN (nm-hebb) on the Ant with ES, then evaluate its robustness")
    .option("--env <id>", "ant | hexapod", "ant")
    .option("--agent <name>", "controller preset", "nm-hebb")
    .option("--minutes <M>", "training wall time", floatOption("--minutes", 0.1, 10_000), 15)
    .option("--out <dir>", "run directory (continued if it already holds a checkpoint)", join("runs", "start-ant-nm-hebb"))
    .option("--workers <n>", "rollout worker threads (default: all cores)", intOption("--workers", 0, 256))
    .option("--seed <n>", "random seed for a new run", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--eval-seeds <n>", "evaluation seeds", intOption("--eval-seeds", 1, 1000), 3)
    .option("--no-eval", "skip the evaluation after training")
    .option("--port <n>", "live viewer port (the next free one if taken)", intOption("--port", 0, 65535), 8080)
    .option("--no-viewer", "train without serving the live viewer")
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (o: Opts) => {
        const { checkpointExists } = await import("../../policy/checkpoint.ts");
        const { interruptSignal } = await import("../train/locomotion.ts");
        const resume = checkpointExists(o.out);
        const interrupt = interruptSignal();
        const viewer = o.viewer
          ? await (await import("../../serve/watch.ts")).attachTrainingViewer({
              envId: resume ? undefined : o.env,
              envOptions: resume ? undefined : { clockHz: (await import("../../train/config.ts")).LOCOMOTION_DEFAULTS.clockHz },
              runDir: o.out,
              agent: o.agent,
              port: o.port,
              log,
            })
          : null;
        if (viewer) log(`viewer: ${viewer.url}  (live; shows the newest checkpoint after every generation)`);
        log(resume ? `continuing the run in ${o.out} for ${o.minutes} min` : `training ${o.agent} on ${o.env} for ${o.minutes} min into ${o.out}`);
        try {
          await trainThenEvaluate(o, resume, interrupt);
        } finally {
          interrupt.dispose();
          await viewer?.close();
        }
      }),
    );
}

async function trainThenEvaluate(o: Opts, resume: boolean, interrupt: Interrupt): Promise<void> {
  const { runLocomotionTraining, formatLocomotionSummary } = await import("../train/locomotion.ts");
  const training = await runLocomotionTraining(
    resume
      ? { resume: o.out, agent: o.agent, seed: 0, minutes: o.minutes, workers: o.workers }
      : { env: o.env, agent: o.agent, seed: o.seed, minutes: o.minutes, workers: o.workers, out: o.out },
    false,
    interrupt,
  );
  log(formatLocomotionSummary(training));
  let evaluation: Record<string, unknown> | null = null;
  if (o.eval && training.stopped_by !== "signal") {
    const { loadSuite } = await import("../../eval/suite.ts");
    const { evaluate } = await import("../../eval/evaluate.ts");
    const { whenInterrupted } = await import("../../train/threads.ts");
    const { renderHtmlReport } = await import("../../eval/report-html.ts");
    const { renderTable } = await import("../../eval/table.ts");
    const { writeFileSync } = await import("node:fs");
    log(`evaluating ${o.out} under the robustness suite (${o.evalSeeds} seeds)`);
    const progress = (await import("../progress.ts")).progressFromEvents("episodes", "eval robustness");
    const report = await evaluate({
      checkpoints: [o.out],
      suite: loadSuite("robustness"),
      seeds: Array.from({ length: o.evalSeeds }, (_, i) => i),
      episodesPerSeed: 1,
      ablation: true,
      workers: o.workers,
      resamples: 2000,
      onProgress: progress.onProgress,
      signal: interrupt.signal,
    })
      .catch(whenInterrupted(null))
      .finally(progress.stop);
    if (!report || report.interrupted) process.exitCode = 130;
    if (report) {
      const html = join(o.out, "eval.html");
      writeFileSync(html, renderHtmlReport(report));
      writeFileSync(join(o.out, "eval.json"), JSON.stringify(report));
      log(renderTable(report));
      log(`report: ${html}`);
      evaluation = { report: html, json: join(o.out, "eval.json") };
    }
  }
  printResult({ training, evaluation }, !!o.json, (r) => `${formatLocomotionSummary(r.training)}${r.evaluation ? `\nevaluation report: ${r.evaluation.report}` : ""}`);
}
