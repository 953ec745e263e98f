import { InvalidArgumentError } from "commander";
import { isSpikelocoError } from "../core/errors.ts";

/** Progress and logs go to stderr so that `--json` keeps stdout to exactly one object. */
export function log(message: string): void {
  process.stderr.write(message + "\n");
}

/** Print a command's result: one JSON object with `--json`, otherwise the human rendering. */
export function printResult<T extends object>(result: T, json: boolean, human: (r: T) => string): void {
  if (json) process.stdout.write(JSON.stringify(result) + "\n");
  else process.stdout.write(human(result) + "\n");
}

/** A one-line reason and a non-zero exit for bad input; a stack trace for bugs. */
export function reportFailure(err: unknown): void {
  if (isSpikelocoError(err) || err instanceof InvalidArgumentError) {
    process.stderr.write(`spikeloco: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const e = err as { code?: string; message?: string; stack?: string };
  if (typeof e?.code === "string" && e.code.startsWith("commander.")) {
    process.exitCode = process.exitCode || 1;
    return;
  }
  process.stderr.write(`spikeloco: internal error: ${e?.stack ?? String(err)}\n`);
  process.exitCode = 1;
}

/** Wrap an async action so failures become one-line reasons. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportFailure(err);
    }
  };
}

/** "must be >= 1" for one-sided bounds, "must be in [a, b]" for two-sided ones. */
function rangeMessage(name: string, n: number, min: number, max: number): string {
  const lowOpen = min <= Number.MIN_SAFE_INTEGER || min === -Infinity;
  const highOpen = max >= Number.MAX_SAFE_INTEGER || max === Infinity;
  if (lowOpen && !highOpen) return `${name} must be <= ${max}, got ${n}`;
  if (highOpen && !lowOpen) return `${name} must be >= ${min}, got ${n}`;
  return `${name} must be in [${min}, ${max}], got ${n}`;
}

export function intOption(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${value}'`);
    if (n < min || n > max) throw new InvalidArgumentError(rangeMessage(name, n, min, max));
    return n;
  };
}

export function floatOption(name: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${value}'`);
    if (n < min || n > max) throw new InvalidArgumentError(rangeMessage(name, n, min, max));
    return n;
  };
}
