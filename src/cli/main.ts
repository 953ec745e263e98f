import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { packageVersion } from "../core/package.ts";
import { reportFailure } from "./output.ts";
import { registerAll } from "./registry.ts";

const here = dirname(fileURLToPath(import.meta.url));

export async function buildProgram(): Promise<Command> {
  const program = new Command("spikeloco")
    .description("Legged robots in Rapier, spiking controllers with meta-learned plasticity, a live viewer and a robustness suite.")
    .version(packageVersion())
    .showSuggestionAfterError(true);
  await registerAll(program, join(here, "commands"));
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
  } catch (err) {
    reportFailure(err);
  }
}
