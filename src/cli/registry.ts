import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { isModuleFile } from "../core/package.ts";

/**
 * A top-level CLI command lives in its own file in src/cli/commands (the folder is the registry; the file
 * name is the command's name). `summary` is what `spikeloco --help` lists; `register` adds the rest
 * (arguments, options, action, subcommands) to the command. The CLI imports every command module on each
 * start but runs `register` only for the command being run, so a module's top-level imports stay light:
 * registries and engines are imported inside `register` or the action.
 */
export interface CommandModule {
  summary: string;
  register(cmd: Command): void | Promise<void>;
}

/** The command modules (.ts in a checkout, .js in dist/) in `dir`, sorted by name. */
function moduleFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter(isModuleFile).sort() : [];
}

/**
 * Add every command in `dir` to `parent` with its summary, and complete (`register`) the one named `only`,
 * or all of them when `only` is undefined (a program for tests and docs); `only: null` completes none
 * (top-level help). An incomplete command is listed in help and never run.
 */
export async function registerCommands(parent: Command, dir: string, only?: string | null): Promise<void> {
  for (const file of moduleFiles(dir)) {
    const name = basename(file, extname(file));
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<CommandModule>;
    if (typeof mod.summary !== "string" || typeof mod.register !== "function") {
      throw new Error(`${file}: a command module exports summary (string) and register(cmd)`);
    }
    const cmd = parent.command(name).description(mod.summary);
    if (only === undefined || only === name) await mod.register(cmd);
  }
}

/** A module exporting `register(parent)` that adds its own command(s) to `parent` (src/cli/bench). */
export interface SubcommandModule {
  register(parent: Command): void | Promise<void>;
}

/** Import every module in `dir` (sorted) that exports `register`, and register it on `parent`. */
export async function registerAll(parent: Command, dir: string): Promise<void> {
  for (const file of moduleFiles(dir)) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<SubcommandModule>;
    if (typeof mod.register === "function") await mod.register(parent);
  }
}
