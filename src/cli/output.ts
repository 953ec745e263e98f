/**
 * What every command shares: where output goes (stdout for results, stderr for logs and progress), the
 * exit code of the running command, and flag parsers whose errors read `spikeloco: <flag>: <reason>`.
 *
 * Exit codes: 0 done, 1 internal error (a bug: stack trace), 2 bad input (one line, checked before any
 * work or write), 130 interrupted (work saved).
 */
import { availableParallelism } from "node:os";
import { SpikelocoError } from "../core/errors.ts";

export const EXIT = { done: 0, internal: 1, badInput: 2, interrupted: 130 } as const;

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
}

let io: CliIo = { stdout: process.stdout, stderr: process.stderr };
let exitCode: number = EXIT.done;

/** Route output to `next` for one `runCli` call; returns the previous routing to restore. */
export function useIo(next: CliIo): CliIo {
  const prev = io;
  io = next;
  exitCode = EXIT.done;
  return prev;
}

export function currentIo(): CliIo {
  return io;
}

export function currentExitCode(): number {
  return exitCode;
}

/** Progress and logs go to stderr so that `--json` keeps stdout to exactly one object. */
export function log(message: string): void {
  io.stderr.write(message + "\n");
}

/** Print a command's result: one JSON object with `--json`, otherwise the human rendering. */
export function printResult<T extends object>(result: T, json: boolean, human: (r: T) => string): void {
  if (json) io.stdout.write(JSON.stringify(result) + "\n");
  else io.stdout.write(human(result) + "\n");
}

/**
 * Wrap a command's action. It may return an exit code (130 after an interrupt); errors propagate to
 * `runCli`, which prints them in the one style.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await fn(...args);
    if (typeof code === "number") exitCode = code;
  };
}

/** "must be >= 1" for one-sided bounds, "must be in [a, b]" for two-sided ones. */
function rangeMessage(n: number, min: number, max: number): string {
  const lowOpen = min <= Number.MIN_SAFE_INTEGER || min === -Infinity;
  const highOpen = max >= Number.MAX_SAFE_INTEGER || max === Infinity;
  if (lowOpen && !highOpen) return `must be <= ${max}, got ${n}`;
  if (highOpen && !lowOpen) return `must be >= ${min}, got ${n}`;
  return `must be in [${min}, ${max}], got ${n}`;
}

export function intOption(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n)) throw new SpikelocoError(`must be an integer, got '${value}'`, name);
    if (n < min || n > max) throw new SpikelocoError(rangeMessage(n, min, max), name);
    return n;
  };
}

export function floatOption(name: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new SpikelocoError(`must be a number, got '${value}'`, name);
    if (n < min || n > max) throw new SpikelocoError(rangeMessage(n, min, max), name);
    return n;
  };
}

/** A value from a fixed list (derive the list from its registry, e.g. listEnvs()). */
export function choiceOption(name: string, allowed: () => readonly string[]) {
  return (value: string): string => {
    const known = allowed();
    if (!known.includes(value)) throw new SpikelocoError(`must be one of ${known.join(", ")}, got '${value}'`, name);
    return value;
  };
}

/** A non-empty string (an empty path or name is a typo, not a choice). */
export function textOption(name: string) {
  return (value: string): string => {
    if (value.trim() === "") throw new SpikelocoError("must not be empty", name);
    return value;
  };
}

/** Minutes of wall time: one definition for every command that trains for a while. */
export const minutesOption = (name = "--minutes") => floatOption(name, 0.1, 10_000);

/** Worker threads: 0 = in-process; more than the cores only with --force-workers (it only slows a run down). */
export const workersOption = (name = "--workers") => intOption(name, 0, 1024);

export function checkWorkers(workers: number | undefined, force: boolean | undefined, name = "--workers"): void {
  const cores = availableParallelism();
  if (workers !== undefined && workers > cores && !force) {
    throw new SpikelocoError(`${workers} is more than the ${cores} cores of this machine (pass --force-workers to use them anyway)`, name);
  }
}
