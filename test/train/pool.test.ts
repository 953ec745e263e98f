import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createSearcher } from "../../src/train/es/index.ts";
import { RunningNormalizer } from "../../src/policy/normalizer.ts";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";
import { evolve } from "../../src/train/evolve.ts";
import { RolloutPool } from "../../src/train/pool.ts";

const evaluatorModule = resolve("src/train/sphere-fitness.ts");

async function train(workers: number): Promise<{ params: Float32Array; rows: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `pool-${workers}-`));
  const pool = new RolloutPool({ evaluatorModule, config: { dim: 16, noise: 0.05 }, dim: 16, obsDim: 2, workers, episodesPerMember: 3, seed: 9 });
  try {
    const searcher = createSearcher("es", new Float32Array(16), { popSize: 12, sigma: 0.1, lr: 0.05, seed: 9 });
    await evolve({ searcher, problem: pool, normalizer: new RunningNormalizer(2), generations: 6, outDir: dir, checkpointBase: () => ({ spec: {}, config: {}, seed: 9 }), evalCenterEvery: 2 });
  } finally {
    await pool.close();
  }
  const ck = await loadCheckpoint(dir);
  const rows = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    for (const k of ["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"]) delete r[k];
    return JSON.stringify(r);
  });
  return { params: ck.params, rows };
}

describe("rollout pool", () => {
  it("gives bitwise-identical training for 0 (in-process), 1 and 2 worker threads", async () => {
    const inproc = await train(0);
    const one = await train(1);
    const two = await train(2);
    expect(Array.from(one.params)).toEqual(Array.from(inproc.params));
    expect(Array.from(two.params)).toEqual(Array.from(inproc.params));
    expect(two.rows).toEqual(inproc.rows);
    expect(JSON.parse(inproc.rows[5]).return_mean).toBeGreaterThan(JSON.parse(inproc.rows[0]).return_mean);
    expect(JSON.parse(inproc.rows[0])).toHaveProperty("center_return");
  });
});
