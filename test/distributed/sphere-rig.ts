/** In-process coordinator on the cheap sphere evaluator: the same run on the local pool or on NATS workers. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";
import { RunningNormalizer } from "../../src/policy/normalizer.ts";
import { openNatsPool, type NatsPool, type PoolStatus } from "../../src/train/distributed/index.ts";
import { createSearcher, type SearcherName } from "../../src/train/es/index.ts";
import { evolve } from "../../src/train/evolve.ts";
import type { GenerationMetrics } from "../../src/train/metrics.ts";
import { RolloutPool } from "../../src/train/pool.ts";

export const sphereModule = resolve("src/train/sphere-fitness.ts");
const slowModule = resolve("test/distributed/slow-fitness.ts");
const DIM = 16;

export interface SphereRun {
  dir: string;
  params: Buffer;
  /** metrics.jsonl rows without wall-clock and pool_* fields (those differ by machine and pool). */
  rows: string[];
  raw: GenerationMetrics[];
  totals?: Record<string, number>;
}

export interface SphereOptions {
  generations?: number;
  algo?: SearcherName;
  nats?: { url: string; runId: string; timeoutMs?: number; user?: string; pass?: string; ca?: string };
  /** Members take this long on the workers (test/distributed/slow-fitness.ts); the local pool ignores it. */
  delayMs?: number;
  onGeneration?: (row: GenerationMetrics, pool: NatsPool | undefined) => void;
  onStatus?: (status: PoolStatus) => void;
}

export async function trainSphere(o: SphereOptions = {}): Promise<SphereRun> {
  const dir = mkdtempSync(join(tmpdir(), "sphere-"));
  const options = { popSize: 12, sigma: 0.1, lr: 0.05, seed: 9 };
  const algo = o.algo ?? "es";
  const searcher = createSearcher(algo, new Float32Array(DIM), options);
  const normalizer = new RunningNormalizer(2);
  const config = { dim: DIM, noise: 0.05, delayMs: o.delayMs ?? 0 };
  const evaluatorModule = o.delayMs ? slowModule : sphereModule;
  const nats = o.nats
    ? await openNatsPool(
        { nats: o.nats.url, runId: o.nats.runId, workerTimeoutMs: o.nats.timeoutMs ?? 1500, log: process.env.NATS_DEBUG ? (m: string) => console.error("coord:", m) : undefined, natsUser: o.nats.user, natsPassword: o.nats.pass, natsCa: o.nats.ca, onStatus: o.onStatus },
        { evaluatorModule, config, dim: DIM, obsDim: 2, searcher: { algo, options }, snapshot: () => ({ searcher: searcher.state(), normalizer: normalizer.state() }) },
      )
    : undefined;
  const problem = new RolloutPool({ evaluatorModule: sphereModule, config, dim: DIM, obsDim: 2, workers: 0, episodesPerMember: 3, seed: 9, pool: nats });
  let totals: Record<string, number> | undefined;
  try {
    await evolve({
      searcher,
      problem,
      normalizer,
      generations: o.generations ?? 6,
      outDir: dir,
      checkpointBase: () => ({ spec: {}, config: {}, seed: 9 }),
      evalCenterEvery: 2,
      onGeneration: (row) => o.onGeneration?.(row, nats),
    });
    totals = nats?.totals();
  } finally {
    await problem.close();
  }
  const ck = await loadCheckpoint(dir);
  const raw = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as GenerationMetrics);
  return { dir, params: Buffer.from(ck.params.buffer, ck.params.byteOffset, ck.params.byteLength), rows: raw.map(comparable), raw, totals };
}

const timing = new Set(["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"]);
export function comparable(row: GenerationMetrics): string {
  return JSON.stringify(Object.fromEntries(Object.entries(row).filter(([k]) => !timing.has(k) && !k.startsWith("pool_"))));
}
