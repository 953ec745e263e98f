/**
 * Evaluation on the shared thread pool, on real checkpoints and envs: input errors raised inside a worker
 * keep their type and field, an AbortSignal (Ctrl-C in the CLI) stops the pool within a second, and the
 * report keeps the paired units that finished, with the same numbers those units give in a full run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { listEnvs } from "../../envs/index.ts";
import { SpikelocoError } from "../../src/core/errors.ts";
import { evaluate, runJobs, unitSeeds, type EvalReport } from "../../src/eval/evaluate.ts";
import type { EpisodeJob } from "../../src/eval/episode.ts";
import { parseSuite } from "../../src/eval/suite.ts";
import { saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { initParams } from "../../src/snn/layout.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-eval-interrupt-"));
const ant = listEnvs().find((e) => e.id === "ant")!;
const checkpoint = join(dir, "static");
const spec = loadAgent("static", { obsDim: ant.observationSize, actDim: ant.actionSize });
saveCheckpoint(checkpoint, { spec, params: initParams(spec, 4), config: { env: "ant", agent: "static" }, normalizer: null, seed: 4, training: { generation: 0 } });

const suite = parseSuite({
  name: "two",
  maxSteps: 150,
  nominal: "nominal",
  conditions: [
    { name: "nominal", conditions: {} },
    { name: "friction", conditions: { friction: 0.4 } },
  ],
});

const job = (over: Partial<EpisodeJob>): EpisodeJob => ({
  controller: 0, condition: 0, unit: 0, seed: 1, checkpoint: resolve(checkpoint), generation: 0, frozen: false,
  envId: "ant", envOptions: {}, conditions: {}, maxSteps: 20, trace: false, ...over,
});

describe("errors from evaluation workers keep their type", () => {
  for (const workers of [0, 1]) {
    it(`a bad leg index and a checkpoint that moved on are SpikelocoErrors naming their field (${workers ? "thread" : "in-process"})`, async () => {
      const leg = await runJobs([job({ conditions: { disabledLegs: [9] } })], workers).catch((e: unknown) => e);
      expect(leg).toBeInstanceOf(SpikelocoError);
      expect((leg as SpikelocoError).path).toBe("conditions.disabledLegs[0]");
      expect((leg as SpikelocoError).message).toBe("conditions.disabledLegs[0]: leg index 9 out of range [0, 3] for 'ant'");
      const moved = await runJobs([job({ generation: 3 })], workers).catch((e: unknown) => e);
      expect(moved).toBeInstanceOf(SpikelocoError);
      expect((moved as SpikelocoError).path).toBe(resolve(checkpoint));
      expect((moved as SpikelocoError).message).toMatch(/checkpoint changed during evaluation \(generation 3 -> 0\)/);
    });
  }
});

const means = (r: EvalReport) => r.results.cells.map((c) => [c.condition, c.return.estimate, c.distance.estimate, c.fallRate]);

describe("interrupting an evaluation", () => {
  for (const workers of [2, 0]) {
    it(`stops within a second and reports the complete paired units (${workers ? `${workers} threads` : "in-process"})`, async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      const seeds = Array.from({ length: 12 }, (_, i) => i);
      const report = await evaluate({
        checkpoints: [checkpoint], suite, seeds, episodesPerSeed: 1, ablation: false, workers, resamples: 200,
        onProgress: (done) => {
          if (done === 5) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
        signal: controller.signal,
      });
      const stoppedAfter = performance.now() - abortedAt;
      expect(stoppedAfter).toBeLessThan(1000);
      expect(report.interrupted).toMatchObject({ episodesPlanned: 24, unitsPlanned: 12 });
      expect(report.interrupted!.episodesDone).toBeGreaterThanOrEqual(5);
      expect(report.interrupted!.episodesDone).toBeLessThan(24);
      expect(report.units).toBeGreaterThanOrEqual(1);
      expect(report.units).toBeLessThanOrEqual(Math.floor(report.interrupted!.episodesDone / 2));
      expect(report.warnings).toContain(`interrupted: ${report.units} of 12 paired units finished; every number covers those only`);
      for (const cell of report.results.cells) expect(cell.n).toBe(report.units);
      // The kept units are whole and paired: a full evaluation of just their seeds gives the same means.
      const keptSeeds = seeds.filter((s) => report.episodeSeeds.includes(unitSeeds([s], 1)[0]));
      expect(keptSeeds).toHaveLength(report.units);
      const full = await evaluate({ checkpoints: [checkpoint], suite, seeds: keptSeeds, episodesPerSeed: 1, ablation: false, workers: 0, resamples: 200 });
      expect(full.interrupted).toBeUndefined();
      expect(means(report)).toEqual(means(full));
    });
  }

  it("`spikeloco eval` on Ctrl-C: stops, writes the report of the finished units and exits 130", async () => {
    const out = join(dir, "interrupted.json");
    const child = spawn(process.execPath, [bin, "eval", "--checkpoint", checkpoint, "--suite", "robustness", "--only", "friction x0.3", "--seeds", "40", "--max-steps", "1000", "--workers", "2", "--resamples", "200", "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // 1000-step episodes, so the run is still going when the first progress lines appear on a quiet machine;
    // wait for a progress line showing 6 finished episodes: with 2 threads taking jobs in order, at least 2 units are whole
    await new Promise<void>((resolveWait, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress in time; stderr: ${stderr}`)), 120_000);
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        const done = [...stderr.matchAll(/eval robustness (\d+)\/80 episodes/g)].map((m) => Number(m[1]));
        if (done.some((n) => n >= 6)) {
          clearTimeout(timer);
          resolveWait();
        }
      });
    });
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted — stopping the evaluation/);
    expect(stderr).toMatch(/interrupted after \d+\/80 episodes; the report keeps the \d+ of 40 paired units that finished/);
    const report = JSON.parse(readFileSync(out, "utf8")) as EvalReport;
    expect(report.interrupted).toMatchObject({ episodesPlanned: 80, unitsPlanned: 40 });
    expect(report.units).toBeGreaterThanOrEqual(2);
    expect(report.units).toBeLessThan(40);
    expect(report.results.cells.map((c) => c.n)).toEqual([report.units, report.units]);
  });
});
