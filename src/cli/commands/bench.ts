import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { registerAll } from "../registry.ts";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bench");

/** `spikeloco bench <what>`: each benchmark is a module in src/cli/bench exporting `register`. */
export async function register(program: Command): Promise<void> {
  const bench = program
    .command("bench")
    .description("measure speeds (env, snn, train, ...); --json prints one object");
  await registerAll(bench, benchDir);
}
