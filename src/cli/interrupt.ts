/**
 * Ctrl-C / SIGTERM for long commands: the first one aborts `signal` (the command saves what it has and
 * exits 130); a second one exits at once.
 */
import { EXIT, log } from "./output.ts";

export interface Interrupt {
  signal: AbortSignal;
  /** What the first Ctrl-C will say it does (the phase of the command may change it). */
  setMessage(message: string): void;
  dispose: () => void;
}

export function interruptSignal(message = "saving the last completed generation and exiting"): Interrupt {
  const controller = new AbortController();
  let doing = message;
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    log(`\nspikeloco: interrupted — ${doing} (Ctrl-C again to force)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    setMessage: (m) => (doing = m),
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
