import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { isModuleFile } from "../core/package.ts";

/** A CLI command lives in its own file and exports `register`; the folder is the registry. */
export interface CommandModule {
  register(parent: Command): void | Promise<void>;
}

/** Import every module (.ts in a checkout, .js in dist/) in `dir` (sorted) that exports `register`, and register it on `parent`. */
export async function registerAll(parent: Command, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const files = readdirSync(dir).filter(isModuleFile).sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<CommandModule>;
    if (typeof mod.register === "function") await mod.register(parent);
  }
}
