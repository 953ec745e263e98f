import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { isModuleFile } from "../../core/package.ts";
import type { ReproExperiment } from "../../lab/repro/experiment.ts";
import { checkWritableDir } from "../../core/paths.ts";
import { action, checkWorkers, intOption, log, minutesOption, printResult, textOption, workersOption } from "../output.ts";

const reproDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "lab", "repro");

export async function loadExperiments(): Promise<Map<string, ReproExperiment>> {
  const found = new Map<string, ReproExperiment>();
  for (const file of readdirSync(reproDir).filter(isModuleFile).sort()) {
    const mod = (await import(pathToFileURL(join(reproDir, file)).href)) as { experiment?: ReproExperiment };
    if (mod.experiment) found.set(mod.experiment.name, mod.experiment);
  }
  return found;
}

export const summary = "run a named experiment from the seed papers and print its figures";

export function register(cmd: Command): void {
  cmd
    .argument("[name]", "experiment name; omit to list them")
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--train", "adaptation: rerun training (each arm-seed a checkpointed run folder; rerunning continues where it stopped)")
    .option("--minutes <M>", "adaptation --train: wall-clock budget for this invocation (at least 0.1)", minutesOption())
    .option("--workers <n>", "adaptation: worker threads (default: all cores; 0 = in-process)", workersOption())
    .option("--force-workers", "allow --workers above the number of cores")
    .option("--episodes <n>", "adaptation: paired evaluation episodes per training seed", intOption("--episodes", 1, 100_000))
    .option("--train-seeds <list>", "adaptation --train: training seeds (comma list)", (v: string) => v.split(",").map((s) => intOption("--train-seeds", 0, 2 ** 32 - 1)(s.trim())))
    .option("--out <dir>", "adaptation --train: run folders (default runs/adaptation)", textOption("--out"))
    .option("--validation", "adaptation: evaluate on the training mixture's changed strata (for choosing presets, rules, budgets) instead of the held-out conditions")
    .option("--ship", "adaptation --train: copy the first training seed's arm checkpoints into zoo/ (ant-adapt-A, -B, -C)")
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (name: string | undefined, opts: { seed: number; json?: boolean; train?: boolean; minutes?: number; workers?: number; forceWorkers?: boolean; episodes?: number; trainSeeds?: number[]; out?: string; ship?: boolean; validation?: boolean }) => {
        checkWorkers(opts.workers, opts.forceWorkers);
        if (opts.out !== undefined) checkWritableDir(opts.out, "--out", "run folder");
        const experiments = await loadExperiments();
        if (!name) {
          const list = [...experiments.values()].map((e) => ({ name: e.name, summary: e.summary }));
          printResult({ experiments: list }, !!opts.json, (r) =>
            r.experiments.map((e) => `${e.name.padEnd(18)} ${e.summary}`).join("\n"),
          );
          return;
        }
        const exp = experiments.get(name);
        if (!exp) {
          throw new SpikelocoError(`unknown experiment '${name}'; known: ${[...experiments.keys()].join(", ") || "(none)"}`, "repro");
        }
        const started = Date.now();
        const figures = await exp.run({ seed: opts.seed, log, train: opts.train, minutes: opts.minutes, workers: opts.workers, episodes: opts.episodes, trainSeeds: opts.trainSeeds, out: opts.out, ship: opts.ship, validation: opts.validation });
        const result = { experiment: name, seed: opts.seed, wall_s: (Date.now() - started) / 1000, ...figures };
        printResult(result, !!opts.json, (r) => (exp.format ? exp.format(r) : JSON.stringify(r, null, 2)));
      }),
    );
}
