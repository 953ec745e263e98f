import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng, deriveSeed } from "../../src/core/rng.ts";
import { createSearcher, materialize, type Problem, type SearcherName } from "../../src/train/es/index.ts";
import { ObsStats, RunningNormalizer } from "../../src/policy/normalizer.ts";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";
import { evolve } from "../../src/train/evolve.ts";

/** A noisy objective whose "observations" go through the normaliser, so its state matters for resume. */
function noisyProblem(dim: number, seed: number): Problem {
  return {
    dim,
    async evaluate({ generation, candidates, center, sigma, normalizer }) {
      const fitness = new Float64Array(candidates.length);
      const stats = new ObsStats(2);
      const x = new Float32Array(dim);
      const z = new Float32Array(2);
      for (const c of candidates) {
        materialize(center, sigma, c, x);
        const rng = new Rng(deriveSeed(seed, generation, c.index));
        const obs = [rng.normal() * 3 + 1, rng.normal()];
        stats.push(obs);
        if (normalizer) for (let i = 0; i < 2; i++) z[i] = (obs[i] - normalizer.shift[i]) * normalizer.scale[i];
        let f = 0.01 * z[0];
        for (let i = 0; i < dim; i++) f -= (x[i] - 1) ** 2;
        fitness[c.index] = f;
      }
      return { fitness, metrics: { obs0: stats.mean[0] }, steps: candidates.length, simSeconds: candidates.length * 0.01, obsStats: stats };
    },
  };
}

const timing = new Set(["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"]);
const strip = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !timing.has(k))));
const readRows = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

describe("evolve loop", () => {
  for (const algo of ["es", "pgpe"] as SearcherName[]) {
    it(`${algo}: resuming from a checkpoint is bitwise identical to an uninterrupted run`, async () => {
      const opts = { popSize: 8, sigma: 0.1, lr: 0.05, seed: 77 };
      const base = () => ({ spec: { test: true }, config: { algo }, seed: 77 });
      const full = mkdtempSync(join(tmpdir(), "evolve-full-"));
      const s1 = createSearcher(algo, new Float32Array(12), opts);
      await evolve({ searcher: s1, problem: noisyProblem(12, 5), normalizer: new RunningNormalizer(2), generations: 10, outDir: full, checkpointBase: base });

      const part = mkdtempSync(join(tmpdir(), "evolve-part-"));
      await evolve({ searcher: createSearcher(algo, new Float32Array(12), opts), problem: noisyProblem(12, 5), normalizer: new RunningNormalizer(2), generations: 4, outDir: part, checkpointBase: base });
      const ck = await loadCheckpoint(part);
      expect(ck.training.generation).toBe(4);
      const s2 = createSearcher(algo, ck.params, opts);
      s2.load(ck.training.searcher!);
      await evolve({ searcher: s2, problem: noisyProblem(12, 5), normalizer: RunningNormalizer.fromState(ck.normalizer!), generations: 10, outDir: part, checkpointBase: base });

      const a = await loadCheckpoint(full);
      const b = await loadCheckpoint(part);
      expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
      expect(b.normalizer).toEqual(a.normalizer);
      expect(strip(readRows(part))).toEqual(strip(readRows(full)));
      expect(readRows(full).map((r) => r.generation)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // and it learned something
      expect(readRows(full)[9].return_mean as number).toBeGreaterThan(readRows(full)[0].return_mean as number);
    });
  }

  it("stops on abort without losing the last completed generation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evolve-abort-"));
    const controller = new AbortController();
    const s = createSearcher("es", new Float32Array(4), { popSize: 4, sigma: 0.1, lr: 0.05, seed: 1 });
    const res = await evolve({
      searcher: s, problem: noisyProblem(4, 1), normalizer: null, generations: 100, outDir: dir,
      checkpointBase: () => ({ spec: {}, config: {}, seed: 1 }),
      signal: controller.signal,
      onGeneration: (row) => { if (row.generation === 2) controller.abort(); },
    });
    expect(res.stoppedBy).toBe("signal");
    expect((await loadCheckpoint(dir)).training.generation).toBe(3);
  });
});
