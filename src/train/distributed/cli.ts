/** What `train --nats` adds to a training run: its options (checked before any work) and progress fields. */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { SpikelocoError } from "../../core/errors.ts";
import { connectionOptions, redact } from "./connect.ts";
import type { PoolStatus } from "./coordinator.ts";
import type { NatsFlags } from "./flags.ts";
import type { DistributedOptions } from "./index.ts";
import { checkRunId } from "./subjects.ts";

/** A run id stable across `--resume` of the same directory on the same host. */
export function defaultRunId(outDir: string): string {
  return "r" + createHash("sha256").update(`${hostname()}\n${resolve(outDir)}`).digest("hex").slice(0, 12);
}

export function distributedOptions(
  flags: NatsFlags & { runId?: string; natsTimeout?: number; workers?: number },
  outDir: string,
): DistributedOptions & { display: string } {
  if (flags.workers !== undefined) throw new SpikelocoError("sets local threads; with --nats the members run on `spikeloco worker` processes (give them --cores)", "--workers");
  connectionOptions(flags, "check"); // bad URL, half credentials, missing certificate files: refuse now
  const runId = checkRunId(flags.runId ?? defaultRunId(outDir), "--run-id");
  return {
    ...flags,
    nats: flags.nats!,
    runId,
    workerTimeoutMs: Math.round((flags.natsTimeout ?? 10) * 1000),
    display: redact(flags.nats!),
    log: (m) => process.stderr.write(`${m}\n`),
  };
}

/** The progress-line fields of a distributed run. */
export function poolPayload(s: PoolStatus): Record<string, string | number> {
  return {
    workers: `${s.workers} (${s.cores} cores)`,
    "in-flight": s.inFlight,
    reissued: s.counters.reissued + s.counters.backups,
  };
}
