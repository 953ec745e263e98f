import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { isModuleFile } from "../../core/package.ts";
import type { ReproExperiment } from "../../lab/repro/experiment.ts";
import { action, intOption, log, printResult } from "../output.ts";

const reproDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "lab", "repro");

export async function loadExperiments(): Promise<Map<string, ReproExperiment>> {
  const found = new Map<string, ReproExperiment>();
  for (const file of readdirSync(reproDir).filter(isModuleFile).sort()) {
    const mod = (await import(pathToFileURL(join(reproDir, file)).href)) as { experiment?: ReproExperiment };
    if (mod.experiment) found.set(mod.experiment.name, mod.experiment);
  }
  return found;
}

export function register(program: Command): void {
  program
    .command("repro")
    .description("run a named experiment from the seed papers and print its figures")
    .argument("[name]", "experiment name; omit to list them")
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (name: string | undefined, opts: { seed: number; json?: boolean }) => {
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
        const figures = await exp.run({ seed: opts.seed, log });
        const result = { experiment: name, seed: opts.seed, wall_s: (Date.now() - started) / 1000, ...figures };
        printResult(result, !!opts.json, (r) => (exp.format ? exp.format(r) : JSON.stringify(r, null, 2)));
      }),
    );
}
