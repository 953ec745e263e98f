/**
 * `spikeloco eval`: robustness / adaptation suites over checkpoints, paired across controllers, with
 * the plasticity-frozen ablation of every plastic controller; terminal table, JSON and an offline HTML report.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { action, intOption, log, printResult } from "../output.ts";

interface EvalFlags {
  checkpoint: string[];
  suite: string;
  episodes: number;
  seeds: number[];
  report?: string;
  out?: string;
  record?: string;
  workers?: number;
  ablation: boolean;
  maxSteps?: number;
  only?: string[];
  resamples: number;
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--seeds 5` = seeds 0..4; `--seeds 3,7,11` = those seeds. */
export function parseSeeds(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError(`--seeds must be a count or a comma list of seeds, got '${value}'`);
  if (parts.length === 1 && !value.includes(",")) {
    const n = intOption("--seeds", 1, 10_000)(parts[0]);
    return Array.from({ length: n }, (_, i) => i);
  }
  const seeds = parts.map((p) => intOption("--seeds", 0, 2 ** 32 - 1)(p));
  if (new Set(seeds).size !== seeds.length) throw new InvalidArgumentError(`--seeds lists a seed twice: '${value}'`);
  return seeds;
}

export function register(program: Command): void {
  program
    .command("eval")
    .description("evaluate checkpoints under a robustness or adaptation suite (paired seeds, bootstrap CIs, frozen-plasticity ablation)")
    .option("--checkpoint <dir>", "checkpoint directory to evaluate (repeat for several controllers)", collect, [])
    .option("--pretrained <name>", "a shipped controller from zoo/ (repeat; adds to --checkpoint)", collect, [])
    .option("--suite <name|file>", "robustness | adaptation | path to a suite JSON file", "robustness")
    .option("--episodes <K>", "episodes per seed per condition and controller", intOption("--episodes", 1, 10_000), 1)
    .option("--seeds <S>", "evaluation seeds: a count (0..S-1) or a comma list", parseSeeds, [0, 1, 2, 3, 4])
    .option("--report <file.html>", "write the self-contained HTML report here (and the JSON next to it)")
    .option("--out <file.json>", "write the report JSON here")
    .option("--record <dir>", "write viewer recordings (.spkrec) of each controller's first episode per condition")
    .option("--workers <n>", "worker threads (default: all cores; 0 = in-process)", intOption("--workers", 0, 256))
    .option("--no-ablation", "skip the plasticity-frozen copy of plastic controllers")
    .option("--max-steps <n>", "override the suite's episode length", intOption("--max-steps", 1, 1_000_000))
    .option("--only <names>", "run only these conditions (comma list; nominal is always included)", (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .option("--resamples <n>", "bootstrap resamples per interval", intOption("--resamples", 100, 1_000_000), 2000)
    .option("--json", "print the report as exactly one JSON object on stdout")
    .addHelpText("after", `
Examples:
  spikeloco eval --checkpoint runs/ant-nm-hebb-s0 --checkpoint runs/ant-static-s0 --suite robustness --report eval.html
  spikeloco eval --checkpoint runs/ant-nm-hebb-s0 --suite adaptation --seeds 10 --json > adaptation.json
  spikeloco eval --checkpoint runs/a --suite my-suite.json --only "friction x0.3,leg 1 disabled"`)
    .action(
      action(async (flags: EvalFlags & { pretrained?: string[] }) => {
        if (flags.pretrained?.length) {
          const { zooCheckpoint } = await import("../../policy/zoo.ts");
          flags.checkpoint = [...flags.checkpoint, ...flags.pretrained.map((n) => zooCheckpoint(n))];
        }
        if (flags.checkpoint.length === 0) throw new SpikelocoError("give at least one --checkpoint <dir>", "--checkpoint");
        const { loadSuite } = await import("../../eval/suite.ts");
        const suite = loadSuite(flags.suite);
        // make the output folders before the (long) evaluation, so a bad path fails now and loses nothing
        for (const [flag, path] of [["--report", flags.report], ["--out", flags.out]] as const) {
          if (!path) continue;
          try {
            mkdirSync(dirname(path), { recursive: true });
          } catch (e) {
            throw new SpikelocoError(`cannot create the folder for ${path}: ${(e as Error).message}`, flag);
          }
        }
        const { evaluate } = await import("../../eval/evaluate.ts");
        const { whenInterrupted } = await import("../../train/threads.ts");
        const progress = (await import("../progress.ts")).progressFromEvents("episodes", `eval ${suite.name}`);
        const { interruptSignal } = await import("../train/locomotion.ts");
        const interrupt = interruptSignal("stopping the evaluation; the report keeps the paired units that finished");
        const report = await evaluate({
          checkpoints: flags.checkpoint,
          suite,
          seeds: flags.seeds,
          episodesPerSeed: flags.episodes,
          ablation: flags.ablation,
          workers: flags.workers,
          maxSteps: flags.maxSteps,
          only: flags.only,
          resamples: flags.resamples,
          onWarning: (message) => log(`warning: ${message}`),
          onProgress: progress.onProgress,
          signal: interrupt.signal,
        })
          .catch(whenInterrupted(null))
          .finally(() => {
            progress.stop();
            interrupt.dispose();
          });
        if (!report) {
          log("spikeloco: interrupted before any paired unit finished; nothing to report");
          process.exitCode = 130;
          return;
        }
        if (report.interrupted) {
          const i = report.interrupted;
          log(`spikeloco: interrupted after ${i.episodesDone}/${i.episodesPlanned} episodes; the report keeps the ${report.units} of ${i.unitsPlanned} paired units that finished`);
          process.exitCode = 130;
        }
        const { writeFileSync } = await import("node:fs");
        const json = JSON.stringify(report);
        const written: Record<string, string | string[]> = {};
        if (flags.report) {
          const { renderHtmlReport } = await import("../../eval/report-html.ts");
          writeFileSync(flags.report, renderHtmlReport(report));
          written.report = flags.report;
          const jsonPath = flags.out ?? flags.report.replace(/\.html?$/i, "") + ".json";
          writeFileSync(jsonPath, json);
          written.json = jsonPath;
        } else if (flags.out) {
          writeFileSync(flags.out, json);
          written.json = flags.out;
        }
        if (flags.record && !report.interrupted) {
          const { recordEpisodes } = await import("../../eval/record.ts");
          written.recordings = await recordEpisodes(report, flags.record, (path, frames) => log(`recording: ${path} (${frames} frames)`));
        }
        for (const [k, v] of Object.entries(written)) if (!Array.isArray(v)) log(`${k}: ${v}`);
        const { renderTable } = await import("../../eval/table.ts");
        printResult({ ...report, files: written }, !!flags.json, () => renderTable(report));
      }),
    );
}

