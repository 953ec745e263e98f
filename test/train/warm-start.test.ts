import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";
import type { LocomotionTrainConfig } from "../../src/train/config.ts";
import { trainLocomotion } from "../../src/train/locomotion.ts";

const base: LocomotionTrainConfig = {
  kind: "locomotion", env: "ant", agent: "static", algo: "es", popSize: 4, sigma: 0.04, lr: 0.02, weightDecay: 0,
  weightDecayMode: "decoupled", groupScaling: "init-rms", episodesPerMember: 1, maxSteps: 12,
  normalizerClip: 5, evalCenterEvery: 0, conditions: {}, envOptions: { clockHz: 0 },
};

describe("warm start (config.init / train --init)", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeloco-warm-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("starts generation 0 from the given run's parameters and normaliser, not the preset's initialisation", async () => {
    const source = join(root, "source");
    await trainLocomotion({ config: base, seed: 1, generations: 2, workers: 0, outDir: source });
    const from = await loadCheckpoint(source);
    // a tiny learning rate: one Adam step moves each parameter by about lr, so the result sits on the start point
    const warm = await trainLocomotion({ config: { ...base, lr: 1e-9, init: source }, seed: 7, generations: 1, workers: 0 });
    const cold = await trainLocomotion({ config: { ...base, lr: 1e-9 }, seed: 7, generations: 1, workers: 0 });
    let warmGap = 0, coldGap = 0;
    for (let i = 0; i < from.params.length; i++) {
      warmGap = Math.max(warmGap, Math.abs(warm.params[i]! - from.params[i]!));
      coldGap = Math.max(coldGap, Math.abs(cold.params[i]! - from.params[i]!));
    }
    expect(warmGap).toBeLessThan(1e-6);
    expect(coldGap).toBeGreaterThan(1e-3);
    // the normaliser continues from the source's statistics (its count grows from there)
    expect(warm.normalizer.state().count).toBeGreaterThan(from.normalizer!.count);
  }, 60_000);

  it("refuses a run of another network, naming the field", async () => {
    const source = join(root, "static");
    await trainLocomotion({ config: base, seed: 1, generations: 1, workers: 0, outDir: source });
    await expect(trainLocomotion({ config: { ...base, agent: "nm-hebb", init: source }, seed: 1, generations: 1, workers: 0 })).rejects.toThrow(/init: .*holds a different network .*'input\.alpha' is missing/);
  }, 60_000);

  it("takes a source whose spec differs only outside the parameter layout (another rule, same parameters)", async () => {
    const source = join(root, "oja");
    await trainLocomotion({ config: { ...base, agent: "nm-oja" }, seed: 1, generations: 1, workers: 0, outDir: source });
    const from = await loadCheckpoint(source);
    const warm = await trainLocomotion({ config: { ...base, agent: "nm-hebb", lr: 1e-9, init: source }, seed: 3, generations: 1, workers: 0 });
    expect(warm.params.length).toBe(from.params.length);
    let gap = 0;
    for (let i = 0; i < from.params.length; i++) gap = Math.max(gap, Math.abs(warm.params[i]! - from.params[i]!));
    expect(gap).toBeLessThan(1e-6);
  }, 60_000);
});
