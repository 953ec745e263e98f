/**
 * Evolution strategies across machines on NATS: `openNatsPool` gives the trainer a MemberPool whose
 * members run on `spikeloco worker` processes (worker.ts); the rest of training (searcher, normaliser,
 * checkpoints, metrics) is unchanged, so a distributed run writes the same files as a local one.
 */
import type { SearcherName, SearcherOptions } from "../es/searcher.ts";
import { openConnection, type NatsFlags } from "./connect.ts";
import { NatsPool, type PoolStatus } from "./coordinator.ts";
import { moduleRef } from "./protocol.ts";
import type { ReplicaSnapshot } from "./replica.ts";
import { checkRunId } from "./subjects.ts";

export { NatsPool, type PoolStatus } from "./coordinator.ts";
export { openConnection, redact } from "./connect.ts";
export { NATS_FLAG_SPECS, type NatsFlags } from "./flags.ts";
export { runWorker, type WorkerOptions, type WorkerSummary } from "./worker.ts";

export interface DistributedOptions extends NatsFlags {
  nats: string;
  /** Namespaces the run's subjects on the server. */
  runId: string;
  /** A worker silent this long is dropped and its members re-issued (default 10 s). */
  workerTimeoutMs?: number;
  onStatus?: (status: PoolStatus) => void;
  log?: (message: string) => void;
}

export interface DistributedProblem {
  evaluatorModule: string;
  config: unknown;
  dim: number;
  obsDim: number;
  searcher?: { algo: SearcherName; options: SearcherOptions };
  snapshot?: () => ReplicaSnapshot;
}

export async function openNatsPool(options: DistributedOptions, problem: DistributedProblem): Promise<NatsPool> {
  checkRunId(options.runId, "--run-id");
  const connection = await openConnection(options, "coordinator");
  return new NatsPool({
    connection,
    run: options.runId,
    description: { evaluator: moduleRef(problem.evaluatorModule), config: problem.config, dim: problem.dim, obsDim: problem.obsDim, searcher: problem.searcher },
    snapshot: problem.snapshot,
    workerTimeoutMs: options.workerTimeoutMs,
    onStatus: options.onStatus,
    log: options.log,
  });
}
