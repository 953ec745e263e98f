import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyGroupScales, createSearcher, materialize, OpenAIES, parameterGroups, parseGroupScales, perParameterScale } from "../../src/train/es/index.ts";
import { Adam } from "../../src/train/optim/adam.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { loadAgentSpec } from "../../src/policy/presets.ts";
import { strata } from "../../src/env/conditions.ts";
import { RolloutPool } from "../../src/train/pool.ts";
import { trainLocomotion } from "../../src/train/locomotion.ts";
import { LOCOMOTION_DEFAULTS, type LocomotionTrainConfig } from "../../src/train/config.ts";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";

/** A tiny ant run on nm-hebb: every field a training test needs, overridable. */
const tinyAnt = (over: Partial<LocomotionTrainConfig>): LocomotionTrainConfig => ({
  kind: "locomotion", env: "ant", agent: "nm-hebb", algo: "es", popSize: 4, sigma: 0.04, lr: 0.02, weightDecay: 0.005,
  weightDecayMode: "decoupled", groupScaling: "init-rms", episodesPerMember: 1, maxSteps: 12,
  normalizerClip: 5, evalCenterEvery: 0, conditions: {}, envOptions: { clockHz: 0 }, ...over,
});

describe("weight decay does what its name says", () => {
  it("decoupled: with a zero gradient every parameter shrinks by exactly the factor (1 - lr_i * wd) per step", () => {
    const lr = 0.02, wd = 0.005;
    const scale = Float32Array.from([1, 1, 0.1, 0.1]);
    const s = new OpenAIES(Float32Array.from([3, -2, 0.5, -0.25]), { popSize: 8, sigma: 0.04, lr, seed: 1, weightDecay: wd, fitnessShaping: "raw", scale });
    for (let g = 0; g < 20; g++) {
      const before = s.center.slice();
      s.tell(s.ask(), new Float64Array(8).fill(7)); // constant fitness, raw shaping: the gradient estimate is exactly 0
      for (let i = 0; i < 4; i++) {
        expect(s.lastGradient[i]).toBe(0);
        expect(s.center[i]).toBe(Math.fround(before[i] - scale[i] * lr * wd * before[i]));
      }
    }
    // after 20 steps: (1 - lr wd)^20 of the start, to float32 precision
    expect(s.center[0] / 3).toBeCloseTo((1 - lr * wd) ** 20, 6);
    expect(s.center[2] / 0.5).toBeCloseTo((1 - 0.1 * lr * wd) ** 20, 6);
  });

  it("coupled (the old behaviour, kept for resumed old runs) is not a decay by lr*wd: Adam normalises it to a step of ~lr", () => {
    const theta = Float32Array.from([3]);
    new Adam(1, { lr: 0.02, weightDecay: 0.005, weightDecayMode: "coupled" }).ascend(theta, [0]);
    expect(3 - theta[0]).toBeCloseTo(0.02, 5); // 0.02 absolute, vs lr*wd*theta = 0.0003 decoupled
    const theta2 = Float32Array.from([3]);
    new Adam(1, { lr: 0.02, weightDecay: 0.005, weightDecayMode: "decoupled" }).ascend(theta2, [0]);
    expect(3 - theta2[0]).toBeCloseTo(0.0003, 6);
  });
});

describe("per-group noise scale and learning rate", () => {
  it("sampled noise has std sigma * scale_g in each group", () => {
    const dim = 400;
    const scale = new Float32Array(dim);
    scale.fill(0.05, 0, 200);
    scale.fill(1.5, 200, 400);
    const s = new OpenAIES(new Float32Array(dim), { popSize: 100, sigma: 0.04, lr: 0.01, seed: 3, scale });
    const x = new Float32Array(dim);
    const sums = [0, 0];
    const counts = [0, 0];
    for (const c of s.ask()) {
      materialize(s.center, s.sigma, c, x);
      for (let i = 0; i < dim; i++) {
        sums[i < 200 ? 0 : 1] += x[i] * x[i];
        counts[i < 200 ? 0 : 1] += 1;
      }
    }
    const std = sums.map((v, g) => Math.sqrt(v / counts[g]));
    // 20000 draws per group: relative std error of a std estimate ~ 1/sqrt(2n) = 0.5%
    expect(std[0] / (0.04 * 0.05)).toBeGreaterThan(0.97);
    expect(std[0] / (0.04 * 0.05)).toBeLessThan(1.03);
    expect(std[1] / (0.04 * 1.5)).toBeGreaterThan(0.97);
    expect(std[1] / (0.04 * 1.5)).toBeLessThan(1.03);
  });

  it("the gradient estimate stays unbiased with per-parameter sigma (raw shaping, linear objective)", () => {
    // f = sum a_i x_i / scale_i (each coordinate matters in its own units): gradient a_i / scale_i
    const a = [2, -1, 0.5, 3];
    const scale = Float32Array.from([0.01, 0.1, 1, 10]);
    const s = new OpenAIES(new Float32Array(4), { popSize: 4000, sigma: 0.04, lr: 0.01, seed: 8, fitnessShaping: "raw", scale });
    const x = new Float32Array(4);
    const cands = s.ask();
    const fit = new Float64Array(cands.length);
    for (const c of cands) {
      materialize(s.center, s.sigma, c, x);
      fit[c.index] = a.reduce((acc, ai, i) => acc + (ai * x[i]) / scale[i], 0);
    }
    const g = s.estimateGradient(cands, fit);
    // the estimate is sum_j eps_j (eps_j . a) / (n scale_i): each coordinate within ~3 std errors (|a| / sqrt(n) / scale_i)
    for (let i = 0; i < 4; i++) expect(Math.abs(g[i] * scale[i] - a[i])).toBeLessThan(0.25);
  });

  it("the first Adam step moves each group by lr * scale_g (Adam's unit step, rescaled)", () => {
    const scale = Float32Array.from([0.1, 1]);
    const theta = new Float32Array(2);
    new Adam(2, { lr: 0.02, lrScale: scale }).ascend(theta, [5, -3]);
    expect(theta[0]).toBeCloseTo(0.002, 7);
    expect(theta[1]).toBeCloseTo(-0.02, 7);
  });

  it("init-rms groups follow the layout: scale = RMS of each entry at init (1 for zero-initialised biases)", async () => {
    const spec = await loadAgentSpec("nm-hebb", { obsDim: 27, actDim: 8 });
    const layout = buildLayout(spec);
    const p = initParams(spec, 0);
    const groups = parameterGroups(layout, p, "init-rms");
    const by = Object.fromEntries(groups.map((g) => [g.name, g.scale]));
    const rms = (name: string) => {
      const v = layout.view(p, name);
      return Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    };
    expect(by["input.alpha"]).toBeCloseTo(rms("input.alpha"), 6);
    expect(by["input.W"]).toBeCloseTo(rms("input.W"), 6);
    expect(by["hidden.bias"]).toBe(1);
    // the issue's point: the groups' scales differ by an order of magnitude
    expect(by["input.W"] / by["input.alpha"]).toBeGreaterThan(5);
    expect(parameterGroups(layout, p, "none").every((g) => g.scale === 1)).toBe(true);
    const per = perParameterScale(groups, layout.size);
    const e = layout.entry("input.alpha");
    expect(per[e.offset]).toBe(Math.fround(by["input.alpha"]));
  });

  it("init-rms-normalized keeps init-rms's ratios and makes the parameter-weighted RMS of the multipliers 1", async () => {
    const spec = await loadAgentSpec("nm-hebb", { obsDim: 27, actDim: 8 });
    const layout = buildLayout(spec);
    const p = initParams(spec, 0);
    const raw = parameterGroups(layout, p, "init-rms");
    const norm = parameterGroups(layout, p, "init-rms-normalized");
    const weightedRms = (groups: typeof raw) => {
      const per = perParameterScale(groups, layout.size);
      return Math.sqrt(per.reduce((a, x) => a + x * x, 0) / per.length);
    };
    expect(weightedRms(norm)).toBeCloseTo(1, 5);
    // init-rms alone shrinks the whole search: most parameters are weights with an RMS well below 1
    const rawRms = weightedRms(raw);
    expect(rawRms).toBeLessThan(0.3);
    const ratio = norm[0]!.scale / raw[0]!.scale;
    expect(ratio).toBeCloseTo(1 / rawRms, 4);
    for (let i = 0; i < raw.length; i++) expect(norm[i]!.scale / raw[i]!.scale).toBeCloseTo(ratio, 9);
    // group multipliers apply on top, as with init-rms
    const scaled = applyGroupScales(norm, { alpha: 10 });
    expect(scaled.find((g) => g.name === "recurrent.alpha")!.scale).toBeCloseTo(10 * norm.find((g) => g.name === "recurrent.alpha")!.scale, 9);
  });

  it("PGPE starts from the per-group std", () => {
    const s = createSearcher("pgpe", new Float32Array(2), { popSize: 4, sigma: 0.1, lr: 0.01, seed: 1, scale: Float32Array.from([0.5, 2]) });
    expect(Array.from(s.sigma)).toEqual([Math.fround(0.05), Math.fround(0.2)]);
  });
});

describe("stratified fitness", () => {
  const mixture = { onsetStep: [5, 10] as [number, number], mixture: [{ name: "intact", weight: 1 }, { name: "leg", weight: 3, disabledLegs: { oneOf: [[0], [1], [2]] } }] };

  it("every generation's K episodes cover the strata, the same seeds and strata for every member", () => {
    const w = strata(mixture).map((s) => s.weight);
    const pool = new RolloutPool({ evaluatorModule: "/nonexistent", config: {}, dim: 1, obsDim: 1, workers: 0, episodesPerMember: 4, seed: 3, strataWeights: w });
    for (let g = 0; g < 10; g++) expect([...pool.episodeStrata(g)!].sort()).toEqual([0, 1, 2, 3]);
    const pool8 = new RolloutPool({ evaluatorModule: "/nonexistent", config: {}, dim: 1, obsDim: 1, workers: 0, episodesPerMember: 2, seed: 3, strataWeights: w });
    const seen = new Set<number>();
    for (let g = 0; g < 20; g++) pool8.episodeStrata(g)!.forEach((s) => seen.add(s));
    expect(seen.size).toBe(4); // K < strata: covered across generations
    const single = new RolloutPool({ evaluatorModule: "/nonexistent", config: {}, dim: 1, obsDim: 1, workers: 0, episodesPerMember: 4, seed: 3, strataWeights: [1] });
    expect(single.episodeStrata(0)).toBeUndefined();
  });

  it("a run over a mixture with group scaling resumes bit-exactly; onsets beyond the horizon are refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikeloco-strat-"));
    try {
      const config = tinyAnt({ episodesPerMember: 2, maxSteps: 16, conditions: mixture });
      const straight = await trainLocomotion({ config, seed: 2, generations: 2, workers: 0 });
      await trainLocomotion({ config, seed: 2, generations: 1, workers: 0, outDir: dir });
      const resume = await loadCheckpoint(dir);
      const resumed = await trainLocomotion({ config, seed: 2, generations: 2, workers: 0, outDir: dir, resume });
      expect(Buffer.from(resumed.params.buffer).equals(Buffer.from(straight.params.buffer))).toBe(true);
      await expect(trainLocomotion({ config: { ...config, maxSteps: 10 }, seed: 2, generations: 1, workers: 0 })).rejects.toThrow(
        "conditions.onsetStep: the conditions' onset reaches step 10, but training episodes last 10 steps",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void LOCOMOTION_DEFAULTS;

describe("per-group multipliers (groupScales)", () => {
  const layoutOf = async (agent: string) => {
    const spec = await loadAgentSpec(agent, { obsDim: 31, actDim: 8 }); // ant's sizes
    return { spec, layout: buildLayout(spec) };
  };

  it("multiply the matching groups only: a field names it in every projection, a full name one entry", async () => {
    const { spec, layout } = await layoutOf("nm-hebb");
    const base = parameterGroups(layout, initParams(spec, 0), "init-rms");
    const scaled = applyGroupScales(base, { alpha: 10, "input.eta": 3 });
    base.forEach((g, i) => {
      const want = g.name.endsWith(".alpha") ? 10 : g.name === "input.eta" ? 3 : 1;
      expect(scaled[i]!.scale).toBeCloseTo(g.scale * want, 12);
    });
    expect(scaled.filter((g, i) => g.scale !== base[i]!.scale).map((g) => g.name)).toEqual(["input.alpha", "input.eta", "recurrent.alpha"]);
    expect(applyGroupScales(base, undefined)).toBe(base);
  });

  it("refuse a key that names no group (listing the groups) and a multiplier <= 0", async () => {
    const { layout } = await layoutOf("static");
    const groups = parameterGroups(layout, new Float32Array(layout.size), "none");
    expect(() => applyGroupScales(groups, { alpha: 10 }, "arms.C.groupScales")).toThrow(/arms\.C\.groupScales: no parameter group 'alpha' in this network \(groups: .*input\.W/);
    expect(() => applyGroupScales(groups, { W: 0 })).toThrow("groupScales: the multiplier of 'W' must be a number > 0, got 0");
  });

  it("the flag's text parses to the same record; mistakes are named", () => {
    expect(parseGroupScales("alpha=10, input.eta=2.5")).toEqual({ alpha: 10, "input.eta": 2.5 });
    expect(() => parseGroupScales("alpha")).toThrow("--group-scale: expected NAME=MULTIPLIER");
    expect(() => parseGroupScales("alpha=-1")).toThrow("--group-scale: the multiplier of 'alpha' must be a number > 0, got '-1'");
    expect(() => parseGroupScales("alpha=1,alpha=2")).toThrow("'alpha' is given twice");
  });

  it("a training run's first Adam step on alpha is 10x larger with { alpha: 10 }, other groups' unchanged; it resumes bit-exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikeloco-gscale-"));
    try {
      const config = tinyAnt({ weightDecay: 0 });
      const { spec, layout } = await layoutOf("nm-hebb");
      const start = initParams(spec, 5);
      const meanStep = (p: Float32Array, name: string) => {
        const e = layout.entry(name);
        let s = 0;
        for (let i = e.offset; i < e.offset + e.length; i++) s += Math.abs(p[i]! - start[i]!);
        return s / e.length;
      };
      const plain = await trainLocomotion({ config, seed: 5, generations: 1, workers: 0 });
      const wide = await trainLocomotion({ config: { ...config, groupScales: { alpha: 10 } }, seed: 5, generations: 1, workers: 0 });
      // Adam's first step is lr * scale_g * g / (|g| + eps): the group's own unit step, whatever the gradient
      expect(meanStep(wide.params, "input.alpha") / meanStep(plain.params, "input.alpha")).toBeCloseTo(10, 1);
      expect(meanStep(wide.params, "recurrent.alpha") / meanStep(plain.params, "recurrent.alpha")).toBeCloseTo(10, 1);
      expect(meanStep(wide.params, "input.W") / meanStep(plain.params, "input.W")).toBeCloseTo(1, 1);

      const cfg = { ...config, groupScales: { alpha: 10 } };
      const straight = await trainLocomotion({ config: cfg, seed: 5, generations: 2, workers: 0 });
      await trainLocomotion({ config: cfg, seed: 5, generations: 1, workers: 0, outDir: dir });
      const resume = await loadCheckpoint(dir);
      expect((resume.config as unknown as LocomotionTrainConfig).groupScales).toEqual({ alpha: 10 });
      const resumed = await trainLocomotion({ config: cfg, seed: 5, generations: 2, workers: 0, outDir: dir, resume });
      expect(Buffer.from(resumed.params.buffer).equals(Buffer.from(straight.params.buffer))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
