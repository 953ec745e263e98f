/**
 * Ctrl-C / SIGTERM for long commands: the first one aborts `signal` (the command saves what it has and
 * exits 130); a second one exits at once.
 */
import { EXIT, log } from "./output.ts";

export interface Interrupt {
  signal: AbortSignal;
  /** Resolves when the interrupt arrives (race long work against it). */
  arrived: Promise<"interrupted">;
  dispose: () => void;
}

export function interruptSignal(message = "saving the last completed generation and exiting"): Interrupt {
  const controller = new AbortController();
  let resolveArrived: (v: "interrupted") => void = () => {};
  const arrived = new Promise<"interrupted">((r) => (resolveArrived = r));
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    log(`\nspikeloco: interrupted: ${message} (Ctrl-C again to force)`);
    controller.abort();
    resolveArrived("interrupted");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    arrived,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Run `work` unless the interrupt comes first; then resolve "interrupted" at once (work keeps no promise). */
export async function unlessInterrupted<T>(work: Promise<T>, interrupt: Interrupt): Promise<T | "interrupted"> {
  if (interrupt.signal.aborted) {
    work.catch(() => undefined);
    return "interrupted";
  }
  const r = await Promise.race([work, interrupt.arrived]);
  if (r === "interrupted") work.catch(() => undefined);
  return r;
}
