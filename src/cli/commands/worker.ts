/**
 * `spikeloco worker --nats nats://host:port [--cores N]`: join a distributed training run from any
 * machine and evaluate its population members until stopped (Ctrl-C: exit 130) or, with --idle-exit,
 * once no run has needed it for that long (exit 0). Logs on stderr; --json prints a summary on exit.
 */
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { NATS_FLAG_SPECS, type NatsFlags } from "../../train/distributed/flags.ts";
import { action, floatOption, intOption, log, printResult } from "../output.ts";

interface WorkerFlags extends NatsFlags {
  cores?: number;
  run?: string;
  idleExit?: number;
  json?: boolean;
}

export const summary = "evaluate population members for `spikeloco train --nats` runs, on this machine's cores";

export function register(cmd: Command): void {
  const worker = cmd
    .option("--cores <n>", "members evaluated at once (threads; default: all cores)", intOption("--cores", 1, 1024))
    .option("--run <id>", "serve only this run id (default: the first run that announces itself)")
    .option("--idle-exit <s>", "exit once no run has needed this worker for s seconds (default: run until stopped)", floatOption("--idle-exit", 0))
    .option("--json", "print one JSON summary object on stdout when the worker exits");
  for (const [flags, description] of NATS_FLAG_SPECS) worker.option(flags, description);
  worker.action(
    action(async (flags: WorkerFlags) => {
      if (!flags.nats) throw new SpikelocoError("give the NATS server to join, e.g. --nats nats://host:4222", "--nats");
      const { openConnection, runWorker, redact } = await import("../../train/distributed/index.ts");
      const { checkRunId } = await import("../../train/distributed/subjects.ts");
      if (flags.run !== undefined) checkRunId(flags.run, "--run");
      const cores = flags.cores ?? availableParallelism();
      const connection = await openConnection(flags, "worker", true, log);
      log(`worker: connected to ${redact(flags.nats)}`);
      const controller = new AbortController();
      const stop = () => {
        if (controller.signal.aborted) process.exit(130);
        log("worker: stopping (Ctrl-C again to force)");
        controller.abort();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      void (async () => {
        for await (const s of connection.status()) {
          if (s.type === "disconnect") log(`worker: disconnected from ${s.server}; reconnecting`);
          if (s.type === "reconnect") log(`worker: reconnected to ${s.server}`);
        }
      })();
      try {
        const summary = await runWorker({ connection, cores, run: flags.run, idleExitMs: flags.idleExit !== undefined ? flags.idleExit * 1000 : undefined, signal: controller.signal, log });
        await connection.close();
        printResult(summary, !!flags.json, (s) => `worker ${s.worker}: ${s.members} members evaluated for ${s.runs.length} run(s) (${s.replays} replayed updates, ${s.fetches} fetches, ${s.fetched_bytes} bytes)`);
        if (summary.stopped_by === "signal") process.exitCode = 130;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    }),
  );
}
