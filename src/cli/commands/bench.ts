import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { registerAll } from "../registry.ts";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bench");

export const summary = "measure speeds (env, snn, train, ...); --json prints one object";

/** `spikeloco bench <what>`: each benchmark is a module in src/cli/bench exporting `register(parent)`. */
export async function register(bench: Command): Promise<void> {
  await registerAll(bench, benchDir);
}
