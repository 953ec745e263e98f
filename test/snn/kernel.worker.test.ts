/**
 * The WASM kernel loads and runs inside the rollout pool's piscina worker threads (which load TypeScript through
 * tsx), and gives there exactly what the JS kernel gives in-process.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { antitheticPopulation } from "../../src/train/es/noise.ts";
import { RolloutPool } from "../../src/train/pool.ts";
import { initParams } from "../../src/snn/layout.ts";
import { SPEC } from "../support/kernel-fitness.ts";

const evaluatorModule = resolve("test/support/kernel-fitness.ts");

async function generation(kernel: string, workers: number) {
  const spec = loadAgent(SPEC.agent, { obsDim: SPEC.obsDim, actDim: SPEC.actDim }, { hidden: { size: SPEC.hidden } });
  const center = initParams(spec, 4);
  const pool = new RolloutPool({ evaluatorModule, config: { kernel }, dim: center.length, obsDim: SPEC.obsDim, workers, episodesPerMember: 2, seed: 5 });
  try {
    return await pool.evaluate({ generation: 0, candidates: antitheticPopulation(5, 0, 6), center, sigma: new Float32Array(center.length).fill(0.05) });
  } finally {
    await pool.close();
  }
}

describe("WASM kernel in worker threads", () => {
  it("a 2-worker pool runs wasm-simd and returns the in-process JS kernel's fitness bit for bit", async () => {
    const threads = await generation("auto", 2);
    const inProcess = await generation("js", 0);
    expect(threads.metrics.wasm_simd).toBe(1);
    expect(inProcess.metrics.wasm_simd).toBe(0);
    expect(Array.from(threads.fitness)).toEqual(Array.from(inProcess.fitness));
    expect(new Set(threads.fitness).size).toBe(6); // members differ
  });
});
