/**
 * The shared thread pool on real worker threads: task modules in plain JS (what a compiled build runs)
 * and TypeScript, the same answers threaded and in-process, errors that keep their type across the
 * thread boundary (also from the ES fitness pool on a real env), and interruption of a busy thread.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { makeEnv } from "../../envs/index.ts";
import { SpikelocoError } from "../../src/core/errors.ts";
import { loadAgent } from "../../agents/index.ts";
import { buildLayout } from "../../src/snn/layout.ts";
import { RolloutPool } from "../../src/train/pool.ts";
import { InterruptedError, ThreadPool } from "../../src/train/threads.ts";
import type { LocomotionEvaluatorConfig } from "../../src/train/locomotion-fitness.ts";

const dir = mkdtempSync(join(tmpdir(), "spikeloco-threads-"));
writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" })); // as in this package: .ts files are ES modules

/** Plain ESM (no TypeScript loader involved): squares, reports its thread, spins on request. */
const jsModule = join(dir, "task.mjs");
writeFileSync(
  jsModule,
  `import { threadId } from "node:worker_threads";
   export function createTaskHandler(data) {
     return {
       run(task) {
         if (task.spin) { const end = Date.now() + task.spin; while (Date.now() < end); }
         return { value: task.x * task.x + data.offset, threadId };
       },
     };
   }`,
);

/** TypeScript that throws the project's own input error, or a bug. */
const tsModule = join(dir, "throws.ts");
writeFileSync(
  tsModule,
  `import { SpikelocoError } from ${JSON.stringify(resolve("src/core/errors.ts"))};
   export function createTaskHandler() {
     return {
       run(task: { kind: string }): number {
         if (task.kind === "input") throw new SpikelocoError("leg index 9 out of range [0, 3]", "conditions.disabledLegs[0]");
         if (task.kind === "bug") return (null as unknown as { length: number }).length;
         return 1;
       },
     };
   }`,
);

describe("thread pool", () => {
  it("runs a plain .js task module on threads and in-process with the same answers", async () => {
    const tasks = Array.from({ length: 12 }, (_, i) => ({ x: i }));
    const answers: number[][] = [];
    for (const threads of [0, 2]) {
      const pool = new ThreadPool<{ x: number }, { value: number; threadId: number }>({ module: jsModule, data: { offset: 3 }, threads });
      try {
        const out = await pool.runAll(tasks);
        answers.push(out.map((r) => r!.value));
        const ids = new Set(out.map((r) => r!.threadId));
        if (threads === 0) expect(ids).toEqual(new Set([0])); // the main thread
        else expect([...ids].every((id) => id > 0)).toBe(true);
      } finally {
        await pool.destroy();
      }
    }
    expect(answers[0]).toEqual(tasks.map((t) => t.x * t.x + 3));
    expect(answers[1]).toEqual(answers[0]);
  });

  for (const threads of [0, 1]) {
    it(`a SpikelocoError from a task arrives as a SpikelocoError with its message and field (${threads ? "thread" : "in-process"})`, async () => {
      const pool = new ThreadPool<{ kind: string }, number>({ module: tsModule, data: null, threads });
      try {
        const err = await pool.run({ kind: "input" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SpikelocoError);
        expect((err as SpikelocoError).path).toBe("conditions.disabledLegs[0]");
        expect((err as SpikelocoError).message).toBe("conditions.disabledLegs[0]: leg index 9 out of range [0, 3]");
        // a bug stays a bug: its own class name and the trace of where it happened in the task module
        const bug = await pool.run({ kind: "bug" }).catch((e: unknown) => e);
        expect(bug).not.toBeInstanceOf(SpikelocoError);
        expect((bug as Error).name).toBe("TypeError");
        expect((bug as Error).stack).toContain("throws.ts");
        expect(await pool.run({ kind: "fine" })).toBe(1); // the thread survives both
      } finally {
        await pool.destroy();
      }
    });
  }

  it("an abort stops a thread busy in a long task at once, and keeps what finished", async () => {
    const pool = new ThreadPool<{ x: number; spin?: number }, { value: number }>({ module: jsModule, data: { offset: 0 }, threads: 2 });
    const controller = new AbortController();
    try {
      await pool.run({ x: 0 }); // threads up
      const tasks = [{ x: 2 }, { x: 3, spin: 60_000 }, { x: 4, spin: 60_000 }, { x: 5 }];
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 300);
      const out = await pool.runAll(tasks, { signal: controller.signal });
      const stoppedAfter = performance.now() - abortedAt;
      expect(out.map((r) => r?.value)).toEqual([4, undefined, undefined, undefined]);
      expect(stoppedAfter).toBeLessThan(1000);
      await expect(pool.run({ x: 1 }, controller.signal)).rejects.toBeInstanceOf(InterruptedError);
    } finally {
      await pool.destroy();
    }
  });
});

describe("ES fitness pool", () => {
  it("a bad leg index in the training conditions reaches the trainer as the env's SpikelocoError, threaded or not", async () => {
    const env = await makeEnv("ant", { maxSteps: 20 });
    const expected = (() => {
      try {
        env.reset({ seed: 0, conditions: { disabledLegs: [9] } });
      } catch (e) {
        return e as SpikelocoError;
      }
      throw new Error("the env accepted leg 9");
    })();
    const obsDim = env.observationSpace.shape[0];
    const spec = loadAgent("static", { obsDim, actDim: env.actionSpace.shape[0] });
    env.close();
    expect(expected).toBeInstanceOf(SpikelocoError);
    const config: LocomotionEvaluatorConfig = { envId: "ant", envOptions: {}, spec, conditions: { disabledLegs: [9] }, maxSteps: 20, normalizerClip: 5 };
    const dim = buildLayout(spec).size;
    for (const workers of [0, 1]) {
      const pool = new RolloutPool({ evaluatorModule: resolve("src/train/locomotion-fitness.ts"), config, dim, obsDim, workers, episodesPerMember: 1, seed: 1 });
      try {
        const err = await pool
          .evaluate({ generation: 0, candidates: [{ index: 0, seed: 1, sign: 1 }, { index: 1, seed: 1, sign: -1 }], center: new Float32Array(dim), sigma: new Float32Array(dim).fill(0.1) })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SpikelocoError);
        expect((err as SpikelocoError).message).toBe(expected.message);
        expect((err as SpikelocoError).path).toBe(expected.path);
      } finally {
        await pool.close();
      }
    }
  });
});
