/**
 * `spikeloco eval`: robustness / adaptation suites over checkpoints, paired across controllers, with
 * the plasticity-frozen ablation of every plastic controller; terminal table, JSON and an offline HTML report.
 *
 * Before any episode runs: the suite, every checkpoint, every condition against the robot, and every
 * output path (--report, the JSON beside it, --out, --record) are checked; nothing is written until the
 * evaluation is done. Ctrl-C stops at once (exit 130): the report keeps the paired units that finished
 * (none finished: nothing is written).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { ABLATED_COPIES, type AblatedCopy } from "../../eval/ablation.ts";
import { checkWritableDir, checkWritableFile, makeDirs } from "../../core/paths.ts";
import { EXIT, action, checkWorkers, intOption, log, printResult, textOption, workersOption } from "../output.ts";

interface EvalFlags {
  checkpoint: string[];
  /** Shipped controllers from zoo/, added to --checkpoint. */
  pretrained: string[];
  suite: string;
  episodes: number;
  seeds: number[];
  report?: string;
  out?: string;
  record?: string;
  workers?: number;
  forceWorkers?: boolean;
  ablation: boolean;
  ablations?: AblatedCopy[];
  maxSteps?: number;
  only?: string[];
  resamples: number;
  json?: boolean;
}

function parseAblations(value: string): AblatedCopy[] {
  const names = value.split(",").map((v) => v.trim());
  const bad = names.find((n) => !(ABLATED_COPIES as readonly string[]).includes(n));
  if (bad !== undefined) throw new SpikelocoError(`must be a comma list of ${ABLATED_COPIES.join(", ")}, got '${bad}'`, "--ablations");
  return [...new Set(names)] as AblatedCopy[];
}

function collect(flag: string) {
  return (value: string, previous: string[] = []): string[] => {
    if (value.trim() === "") throw new SpikelocoError("must not be empty", flag);
    return [...previous, value];
  };
}

/** `--seeds 5` = seeds 0..4; `--seeds 3,7,11` = those seeds. */
export function parseSeeds(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (value.trim() === "" || parts.some((p) => p === "")) throw new SpikelocoError(`must be a count or a comma list of seeds, got '${value}'`, "--seeds");
  if (parts.length === 1) {
    const n = intOption("--seeds", 1, 10_000)(parts[0]!);
    return Array.from({ length: n }, (_, i) => i);
  }
  const seeds = parts.map((p) => intOption("--seeds", 0, 2 ** 32 - 1)(p));
  if (new Set(seeds).size !== seeds.length) throw new SpikelocoError(`lists a seed twice: '${value}'`, "--seeds");
  return seeds;
}

function parseOnly(value: string): string[] {
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new SpikelocoError("give at least one condition name", "--only");
  return names;
}

/** The files this evaluation will write, checked now (no write). */
function plannedOutputs(flags: EvalFlags): { report: string | undefined; json: string | undefined; record: string | undefined } {
  const json = flags.out ?? (flags.report ? flags.report.replace(/\.html?$/i, "") + ".json" : undefined);
  if (flags.report) checkWritableFile(flags.report, "--report");
  if (json) checkWritableFile(json, flags.out ? "--out" : "--report");
  if (flags.report && json && resolve(flags.report) === resolve(json)) {
    throw new SpikelocoError(`is the same file as --report; give the JSON another name`, "--out");
  }
  if (flags.record) checkWritableDir(flags.record, "--record", "recordings folder");
  return { report: flags.report, json, record: flags.record };
}

/** Everything but the episodes: suite, checkpoints, conditions on the robot. */
async function checkInputs(flags: EvalFlags) {
  if (flags.checkpoint.length === 0) throw new SpikelocoError("give at least one --checkpoint <dir>", "--checkpoint");
  const { loadSuite, resolveSuite } = await import("../../eval/suite.ts");
  const suite = loadSuite(flags.suite);
  const { readCheckpoint, checkConditionsForEnv, checkStoredNetwork } = await import("../validate.ts");
  const { checkpointEnv } = await import("../../policy/checkpoint.ts");
  const { envDefinition } = await import("../../../envs/index.ts");
  const first = flags.checkpoint[0]!;
  // (a fallback to a previous checkpoint is reported once, by the evaluation itself)
  const ckpt = await readCheckpoint(first, "--checkpoint", true);
  await checkStoredNetwork(ckpt, `--checkpoint ${first}`);
  for (const dir of flags.checkpoint.slice(1)) await checkStoredNetwork(await readCheckpoint(dir, "--checkpoint", true), `--checkpoint ${dir}`);
  const env = checkpointEnv(ckpt, first);
  let legs: number;
  try {
    legs = envDefinition(env.envId).robot.legs.length;
  } catch (err) {
    throw new SpikelocoError(`was trained in ${(err as Error).message.replace(/^env: /, "")}`, `--checkpoint ${first}`);
  }
  const resolved = resolveSuite(suite, legs);
  const where = flags.suite.endsWith(".json") ? flags.suite : `${flags.suite} suite`;
  await checkConditionsForEnv(env.envId, env.envOptions, resolved.conditions.map((c) => ({ conditions: c.conditions, where: `${where}: condition '${c.name}'` })));
  return suite;
}

/** Write a finished report; if its path fails after all, keep it in the temp folder instead of losing it. */
function writeKept(path: string, data: string, field: string): string {
  try {
    makeDirs(dirname(resolve(path)), field);
    writeFileSync(path, data);
    return path;
  } catch (err) {
    const fallback = join(tmpdir(), `spikeloco-eval-${process.pid}-${Date.now()}${path.endsWith(".html") ? ".html" : ".json"}`);
    writeFileSync(fallback, data);
    log(`spikeloco: ${field}: could not write '${path}' (${(err as Error).message}); saved to ${fallback} instead`);
    return fallback;
  }
}

export const summary = "evaluate checkpoints under a robustness or adaptation suite (paired seeds, bootstrap CIs, frozen-plasticity ablation)";

export function register(cmd: Command): void {
  cmd
    .option("--checkpoint <dir>", "checkpoint directory to evaluate (repeat for several controllers)", collect("--checkpoint"), [])
    .option("--pretrained <name>", "a shipped controller from zoo/ (repeat; adds to --checkpoint)", collect("--pretrained"), [])
    .option("--suite <name|file>", "robustness | adaptation | path to a suite JSON file", textOption("--suite"), "robustness")
    .option("--episodes <K>", "episodes per seed per condition and controller", intOption("--episodes", 1, 10_000), 1)
    .option("--seeds <S>", "evaluation seeds: a count (0..S-1) or a comma list", parseSeeds, [0, 1, 2, 3, 4])
    .option("--report <file.html>", "write the self-contained HTML report here (and the JSON next to it)", textOption("--report"))
    .option("--out <file.json>", "write the report JSON here", textOption("--out"))
    .option("--record <dir>", "write viewer recordings (.spkrec) of each controller's first episode per condition", textOption("--record"))
    .option("--workers <n>", "worker threads (default: all cores; 0 = in-process)", workersOption())
    .option("--force-workers", "allow --workers above the number of cores")
    .option("--no-ablation", "skip the ablated copies of plastic controllers")
    .option("--ablations <list>", `ablated copies of each plastic controller (comma list of ${ABLATED_COPIES.join(", ")}; default frozen; the onset ones need an adaptation suite)`, parseAblations)
    .option("--max-steps <n>", "override the suite's episode length", intOption("--max-steps", 1, 1_000_000))
    .option("--only <names>", "run only these conditions (comma list; nominal is always included)", parseOnly)
    .option("--resamples <n>", "bootstrap resamples per interval", intOption("--resamples", 100, 1_000_000), 2000)
    .option("--json", "print the report as exactly one JSON object on stdout")
    .addHelpText("after", `
Examples:
  spikeloco eval --checkpoint runs/ant-nm-hebb-s0 --checkpoint runs/ant-static-s0 --suite robustness --report eval.html
  spikeloco eval --checkpoint runs/ant-nm-hebb-s0 --suite adaptation --seeds 10 --json > adaptation.json
  spikeloco eval --checkpoint runs/a --suite my-suite.json --only "friction x0.3,leg 1 disabled"`)
    .action(
      action(async (flags: EvalFlags) => {
        checkWorkers(flags.workers, flags.forceWorkers);
        if (flags.pretrained.length) {
          const { zooCheckpoint } = await import("../../policy/zoo.ts");
          flags.checkpoint = [...flags.checkpoint, ...flags.pretrained.map((n) => zooCheckpoint(n))];
        }
        const suite = await checkInputs(flags);
        const outputs = plannedOutputs(flags);
        const { evaluate } = await import("../../eval/evaluate.ts");
        const { whenInterrupted } = await import("../../train/threads.ts");
        const { interruptSignal } = await import("../interrupt.ts");
        const progress = (await import("../progress.ts")).progressFromEvents("episodes", `eval ${suite.name}`);
        const interrupt = interruptSignal("stopping the evaluation; the report keeps the paired units that finished");
        const report = await evaluate({
          checkpoints: flags.checkpoint,
          suite,
          seeds: flags.seeds,
          episodesPerSeed: flags.episodes,
          ablation: flags.ablation,
          ...(flags.ablations ? { ablations: flags.ablations } : {}),
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
          log("spikeloco: interrupted before any paired unit finished; nothing to report (nothing written)");
          return EXIT.interrupted;
        }
        if (report.interrupted) {
          const i = report.interrupted;
          log(`spikeloco: interrupted after ${i.episodesDone}/${i.episodesPlanned} episodes; the report keeps the ${report.units} of ${i.unitsPlanned} paired units that finished`);
        }
        const json = JSON.stringify(report);
        const written: Record<string, string | string[]> = {};
        if (outputs.report) {
          const { renderHtmlReport } = await import("../../eval/report-html.ts");
          written.report = writeKept(outputs.report, renderHtmlReport(report), "--report");
        }
        if (outputs.json) written.json = writeKept(outputs.json, json, flags.out ? "--out" : "--report");
        if (outputs.record && !report.interrupted) {
          const { recordEpisodes } = await import("../../eval/record.ts");
          makeDirs(outputs.record, "--record");
          written.recordings = await recordEpisodes(report, outputs.record, (path, frames) => log(`recording: ${path} (${frames} frames)`));
        }
        for (const [k, v] of Object.entries(written)) if (!Array.isArray(v)) log(`${k}: ${v}`);
        const { renderTable } = await import("../../eval/table.ts");
        printResult({ ...report, files: written }, !!flags.json, () => renderTable(report));
        return report.interrupted ? EXIT.interrupted : EXIT.done;
      }),
    );
}
