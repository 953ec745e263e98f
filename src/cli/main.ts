/**
 * The `spikeloco` command, runnable in-process: `runCli(argv, io)` parses, runs and returns the exit code
 * (bin/spikeloco.mjs is a thin wrapper that sets process.exitCode). Every failure is printed here in one
 * style: `spikeloco: <field>: <reason>` on one line for bad input (exit 2), commander's parser errors
 * included; a stack trace only for internal errors (exit 1).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { isSpikelocoError } from "../core/errors.ts";
import { packageVersion } from "../core/package.ts";
import { EXIT, currentExitCode, useIo, type CliIo } from "./output.ts";
import { registerCommands } from "./registry.ts";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The program; `errBuffer` collects commander's own error text (runCli prints one line instead). Every
 * command is listed; given the `argv` it will parse, only the command that argv runs is registered in
 * full (its module's imports are the slow part of starting), else all of them.
 */
export async function buildProgram(io: CliIo = { stdout: process.stdout, stderr: process.stderr }, errBuffer: string[] = [], argv?: string[]): Promise<Command> {
  const program = new Command("spikeloco")
    .description("Legged robots in Rapier, spiking controllers with meta-learned plasticity, a live viewer and a robustness suite.")
    .version(packageVersion())
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // held back: on a parser error runCli prints one line instead of commander's text
      writeErr: (s) => errBuffer.push(s),
      outputError: () => {},
    })
    .addHelpText("after", "\nExit codes: 0 done, 1 internal error, 2 bad input (nothing was written), 130 interrupted (work saved).");
  await registerCommands(program, join(here, "commands"), argv === undefined ? undefined : addressedCommand(argv));
  return program;
}

/** The command `argv` runs: its first word, or the word after `help`; null when it names none (top-level help). */
export function addressedCommand(argv: string[]): string | null {
  const words = argv.filter((t) => !t.startsWith("-")); // the top level takes no option with a value
  const [first, second] = words;
  return (first === "help" ? second : first) ?? null;
}

/** The command a parser error belongs to: the longest run of command names at the start of argv. */
function commandPath(program: Command, argv: string[]): Command[] {
  const path = [program];
  for (const token of argv) {
    const next = path[path.length - 1]!.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!next) break;
    path.push(next);
  }
  return path;
}

/** Commander's error text, in the project's one-line style. */
export function formatParserError(err: CommanderError, program: Command, argv: string[]): string {
  const path = commandPath(program, argv);
  const cmd = path[path.length - 1]!;
  const where = path.slice(1).map((c) => c.name()).join(" ") || "spikeloco";
  const text = err.message.replace(/^error: /, "");
  const [first = "", ...rest] = text.split("\n");
  const hint = rest.join(" ").replace(/^\(Did you mean (.*)\?\)$/, "did you mean $1?");
  const suffix = (s: string) => (hint ? `${s} (${hint})` : s);
  let m: RegExpExecArray | null;
  switch (err.code) {
    case "commander.unknownOption":
      if ((m = /^unknown option '(.*)'$/.exec(first))) return suffix(`${m[1]}: unknown option for '${where}'`);
      break;
    case "commander.unknownCommand":
      if ((m = /^unknown command '(.*)'$/.exec(first))) {
        return suffix(`${m[1]}: unknown command (known: ${cmd.commands.map((c) => c.name()).join(", ")})`);
      }
      break;
    case "commander.optionMissingArgument":
      if ((m = /^option '(\S+)(?:, (\S+))?.*' argument missing$/.exec(first))) return `${m[2] ?? m[1]}: needs a value`;
      break;
    case "commander.missingArgument":
      if ((m = /^missing required argument '(.*)'$/.exec(first))) return `${where}: missing the <${m[1]}> argument`;
      break;
    case "commander.excessArguments": {
      const given = cmd.args.slice(cmd.registeredArguments.length);
      const what = given.length ? `'${given.join(" ")}'` : "extra arguments";
      return `${where}: unexpected argument ${what} (options start with --; see spikeloco ${where === "spikeloco" ? "" : where + " "}--help)`;
    }
    case "commander.invalidArgument":
      // an InvalidArgumentError from a parser: "option '--x <v>' argument 'y' is invalid. <reason>"
      if ((m = /^option '(?:\S+, )?(--[\w-]+)[^']*' argument '.*' is invalid\. (.*)$/s.exec(text))) return `${m[1]}: ${m[2]!.replace(new RegExp(`^${m[1]} `), "")}`;
      break;
    case "commander.help": {
      // `spikeloco help nope`: the help command found no such command
      const rest = argv.slice(path.length - 1).filter((t) => t !== "help" && !t.startsWith("-"));
      if (rest.length) return `${rest[0]}: unknown command (known: ${cmd.commands.map((c) => c.name()).join(", ")})`;
      if (path.length === 1) return `give a command: ${cmd.commands.map((c) => c.name()).join(", ")} (see spikeloco --help)`;
      return `${where}: give a command: ${cmd.commands.map((c) => c.name()).join(", ")} (see spikeloco ${where === "spikeloco" ? "" : where + " "}--help)`;
    }
  }
  return `${where}: ${[first, ...rest].join(" ")}`;
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}

/** Run the CLI on `argv` (the arguments after the program name); returns the exit code. */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const prev = useIo(io);
  const errBuffer: string[] = [];
  let program: Command | null = null;
  try {
    program = await buildProgram(io, errBuffer, argv);
    await program.parseAsync(argv, { from: "user" });
    return currentExitCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.done; // --help, --version, `help <command>`
      io.stderr.write(`spikeloco: ${formatParserError(err, program!, argv)}\n`);
      return EXIT.badInput;
    }
    if (isSpikelocoError(err)) {
      io.stderr.write(`spikeloco: ${firstLine(err.message)}\n`);
      return EXIT.badInput;
    }
    // an input error that crossed a worker thread as a plain Error keeps its name
    if ((err as Error)?.name === "SpikelocoError") {
      io.stderr.write(`spikeloco: ${firstLine((err as Error).message)}\n`);
      return EXIT.badInput;
    }
    const e = err as { stack?: string };
    io.stderr.write(`spikeloco: internal error: ${e?.stack ?? String(err)}\n`);
    return EXIT.internal;
  } finally {
    useIo(prev);
  }
}

/** Kept for callers of the old entry point: run with process argv and set the exit code. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv.slice(2));
}
