/**
 * The one local thread pool, shared by ES fitness (pool.ts) and evaluation (eval/evaluate.ts).
 *
 * A task module exports `createTaskHandler(data)`; every worker thread loads it once through the one
 * worker entry (worker.mjs: registers tsx for a .ts module, imports a .js one directly) and runs tasks on
 * its handler. `threads: 0` runs the same handler in this process, one task at a time, so both modes run
 * the same code. Errors keep their type across the thread boundary: a SpikelocoError thrown in a worker
 * reaches the caller as a SpikelocoError with the same message and path. An AbortSignal interrupts:
 * queued tasks are dropped and running ones stop with their thread.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { SpikelocoError } from "../core/errors.ts";

export interface TaskHandler<T, R> {
  run(task: T): Promise<R> | R;
  close?(): Promise<void> | void;
}

/** What a task module exports (named `createTaskHandler`). */
export type TaskHandlerFactory<T, R> = (data: unknown) => Promise<TaskHandler<T, R>> | TaskHandler<T, R>;

export interface ThreadPoolOptions {
  /** Absolute path of the task module. */
  module: string;
  /** Handed to the module's createTaskHandler in every thread (structured clone: SharedArrayBuffers stay shared). */
  data: unknown;
  /** Worker threads; 0 = in this process. */
  threads: number;
}

/** The worker entry's answer: errors travel as data so their type and fields survive the boundary. */
export type WorkerReply<R> = { ok: true; value: R } | { ok: false; error: WireError };

export interface WireError {
  name: string;
  message: string;
  path?: string;
  stack?: string;
}

/** Interruption (the caller's AbortSignal fired); what finished before it is kept by the caller. */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "InterruptedError";
  }
}

/** A `.catch` handler: an interruption becomes `value`, any other error is rethrown. */
export function whenInterrupted<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (err instanceof InterruptedError) return value;
    throw err;
  };
}

export function defaultThreads(): number {
  return availableParallelism();
}

/** Rebuild a worker's error on this side: a SpikelocoError stays one (same message and path). */
export function reviveError(e: WireError): Error {
  if (e.name === "SpikelocoError") {
    const prefix = e.path !== undefined ? `${e.path}: ` : "";
    return new SpikelocoError(prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message, e.path);
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack; // the worker's trace: where it really happened
  return err;
}

const isAbort = (err: unknown) => (err as Error | null)?.name === "AbortError";

export class ThreadPool<T, R> {
  readonly threads: number;
  private readonly piscina: Piscina | null;
  private handler: Promise<TaskHandler<T, R>> | null = null;
  /** In-process: tasks run one after another in call order. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ThreadPoolOptions) {
    this.threads = options.threads;
    this.piscina =
      options.threads > 0
        ? new Piscina({
            filename: fileURLToPath(new URL("./worker.mjs", import.meta.url)),
            minThreads: options.threads,
            maxThreads: options.threads,
            idleTimeout: 60_000,
            workerData: { module: options.module, data: options.data },
          })
        : null;
  }

  /** Run one task; rejects with InterruptedError when `signal` fires before it finishes. */
  run(task: T, signal?: AbortSignal): Promise<R> {
    return this.piscina ? this.runThreaded(task, signal) : this.runInProcess(task, signal);
  }

  private async runThreaded(task: T, signal?: AbortSignal): Promise<R> {
    let reply: WorkerReply<R>;
    try {
      reply = (await this.piscina!.run(task, { signal: signal ?? null })) as WorkerReply<R>;
    } catch (err) {
      if (isAbort(err)) throw new InterruptedError();
      throw err; // the thread itself died (out of memory, a crash in native code)
    }
    if (!reply.ok) throw reviveError(reply.error);
    return reply.value;
  }

  private runInProcess(task: T, signal?: AbortSignal): Promise<R> {
    const result = this.turn.then(async () => {
      await new Promise((r) => setImmediate(r)); // let signals (Ctrl-C) and I/O through between tasks
      if (signal?.aborted) throw new InterruptedError();
      this.handler ??= loadHandler<T, R>(this.options.module, this.options.data);
      return (await this.handler).run(task);
    });
    this.turn = result.catch(() => undefined);
    return result;
  }

  /**
   * Run every task, handed out in order (one per thread at a time, so on interruption the finished ones
   * are the first ones); results in task order. On abort, stops within a task's duration (threads are
   * terminated at once) and resolves with what finished: unfinished slots are undefined. The first
   * error stops the rest and is thrown.
   */
  async runAll(tasks: T[], options: { signal?: AbortSignal; onDone?: (done: number, total: number) => void } = {}): Promise<Array<R | undefined>> {
    const out = new Array<R | undefined>(tasks.length);
    const stop = new AbortController(); // the caller's abort, or our first error
    const relay = () => stop.abort();
    if (options.signal?.aborted) stop.abort();
    options.signal?.addEventListener("abort", relay, { once: true });
    let next = 0;
    let done = 0;
    const failures: unknown[] = [];
    const lane = async () => {
      while (next < tasks.length && !stop.signal.aborted) {
        const i = next++;
        try {
          out[i] = await this.run(tasks[i]!, stop.signal);
          options.onDone?.(++done, tasks.length);
        } catch (err) {
          if (err instanceof InterruptedError) return;
          failures.push(err);
          stop.abort();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.threads) }, lane));
    } finally {
      options.signal?.removeEventListener("abort", relay);
    }
    if (failures.length) throw failures[0];
    return out;
  }

  async destroy(): Promise<void> {
    if (this.piscina) await this.piscina.destroy();
    if (this.handler) await (await this.handler.catch(() => null))?.close?.();
  }
}

async function loadHandler<T, R>(module: string, data: unknown): Promise<TaskHandler<T, R>> {
  const mod = (await import(pathToFileURL(module).href)) as { createTaskHandler?: TaskHandlerFactory<T, R> };
  if (typeof mod.createTaskHandler !== "function") throw new Error(`${module} does not export createTaskHandler`);
  return mod.createTaskHandler(data);
}
