import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnv } from "../../envs/index.ts";
import { ablationHooks, type Ablation } from "../../src/eval/ablation.ts";
import { EpisodeRunner } from "../../src/eval/episode.ts";
import { armConfig, changedConditions, evaluateAdaptation, formatAdaptationReport, loadAdaptationDefinition, pretrainDir, runDir, trainArms, validationConditions, type AdaptationDefinition } from "../../src/eval/experiments/adaptation.ts";
import { createPolicy } from "../../src/policy/policy.ts";
import { loadAgentSpec } from "../../src/policy/presets.ts";
import { initParams } from "../../src/snn/layout.ts";

const def = loadAdaptationDefinition();

/** The shipped definition shrunk to seconds: 1 generation of 2 members, 60-step evaluation episodes. */
function tiny(): AdaptationDefinition {
  const d = structuredClone(def);
  d.training = { ...d.training, popSize: 2, episodesPerMember: 2, maxSteps: 24, generations: 1 };
  d.pretrain = { ...d.pretrain, popSize: 2, maxSteps: 24, generations: { static: 1, "nm-hebb-decay": 1 } };
  (d.distributions.damage as { onsetStep: number[] }).onsetStep = [5, 15];
  d.evaluation = { ...d.evaluation, maxSteps: 60, onsetStep: 20, window: 10, preOnsetWindows: 2, earlyWindow: [0, 10], lateWindow: [20, 30], episodes: 2 };
  return d;
}

describe("the adaptation experiment's definition", () => {
  it("gives arms A, B, C the same budget and hyper-parameters; only the preset and training distribution differ", () => {
    const [a, b, c] = (["A", "B", "C"] as const).map((arm) => armConfig(def, arm, "runs/x"));
    // an arm's own ES group multipliers (arms.<arm>.groupScales) are the one hyper-parameter allowed to differ
    const budget = (x: typeof a) => ({ ...x, agent: null, conditions: null, init: null, groupScales: null });
    expect(b.groupScales).toBeUndefined();
    const scaled = structuredClone(def);
    scaled.arms.C.groupScales = { alpha: 10 };
    expect(armConfig(scaled, "C", "runs/x").groupScales).toEqual({ alpha: 10 });
    expect(armConfig(scaled, "B", "runs/x").groupScales).toBeUndefined();
    // every arm starts from the nominal walker of its own agent
    expect([a.init, b.init, c.init]).toEqual([pretrainDir("runs/x", "static"), pretrainDir("runs/x", "static"), pretrainDir("runs/x", c.agent)]);
    expect(budget(b)).toEqual(budget(a));
    expect(budget(c)).toEqual(budget(a));
    expect(a.agent).toBe("static");
    expect(b.agent).toBe("static");
    expect(c.agent).not.toBe("static");
    expect(b.conditions).toEqual(c.conditions);
    expect(a.conditions).toEqual({});
    // the training horizon holds the onset range, the evaluation horizon the late window
    expect(a.maxSteps).toBeGreaterThan(350);
    expect(def.evaluation.onsetStep + def.evaluation.lateWindow[1]).toBeLessThanOrEqual(def.evaluation.maxSteps);
    expect(def.evaluation.maxSteps).toBeLessThanOrEqual(a.maxSteps); // evaluated within the trained horizon
    expect(def.evaluation.maxSteps).toBeLessThanOrEqual(def.pretrain.maxSteps); // the walkers too
    // held-out conditions are not in the training mixture: leg 3 is never disabled in training
    expect(JSON.stringify(def.distributions)).not.toMatch(/\[3\]/);
  });

  it("refuses horizons that would select for the wrong steps, naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "spikeloco-def-"));
    const write = (edit: (d: AdaptationDefinition) => void): string => {
      const d = structuredClone(def);
      edit(d);
      const path = join(dir, "adaptation.json");
      writeFileSync(path, JSON.stringify(d));
      return path;
    };
    try {
      expect(() => loadAdaptationDefinition(write((d) => { d.training.maxSteps = 500; }))).toThrow(/adaptation\.json: evaluation\.maxSteps: evaluation episodes \(600 steps\) outlast training episodes \(500\)/);
      expect(() => loadAdaptationDefinition(write((d) => { d.arms.C.groupScales = { alpha: 0 }; }))).toThrow(/adaptation\.json: arms\.C\.groupScales\.alpha/);
      expect(() => loadAdaptationDefinition(write((d) => { (d.pretrain as { groupScaling: string }).groupScaling = "rms"; }))).toThrow(/adaptation\.json: pretrain\.groupScaling/);
      expect(() => loadAdaptationDefinition(write((d) => { d.pretrain.maxSteps = 300; }))).toThrow(/adaptation\.json: pretrain\.maxSteps: nominal walkers train on 300-step episodes, shorter than the evaluation's 600/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("plasticity ablations around the onset step", () => {
  async function traces(ablation: Ablation, onset: number) {
    const spec = await loadAgentSpec("nm-hebb", { obsDim: 27, actDim: 8 });
    const env = await makeEnv("ant");
    const policy = createPolicy(spec, initParams(spec, 1), null, env.actionSpace);
    const hooks = ablationHooks(policy.net, ablation, onset);
    let obs = env.reset({ seed: 3 }).obs;
    policy.reset();
    hooks.start();
    const action = new Float32Array(8);
    const sums: number[] = [];
    const acts: number[][] = [];
    for (let t = 0; t < 40; t++) {
      policy.act(obs, action);
      acts.push(Array.from(action));
      obs = env.step(action).obs;
      hooks.afterStep(t + 1);
      sums.push(policy.net.plasticTrace("input", 0)!.reduce((s, v) => s + Math.abs(v), 0));
    }
    env.close();
    return { sums, acts };
  }

  it("as-trained vs frozen, zero-at-onset and freeze-at-onset: identical before onset, then as named", async () => {
    const onset = 15;
    const trained = await traces("as-trained", onset);
    const frozen = await traces("frozen", onset);
    const zero = await traces("zero-at-onset", onset);
    const freeze = await traces("freeze-at-onset", onset);
    expect(trained.sums[39]).toBeGreaterThan(trained.sums[onset]); // H keeps changing as trained
    expect(frozen.sums.every((s) => s === 0)).toBe(true); // H stays 0 from the start: W only
    for (let t = 0; t <= onset; t++) {
      expect(zero.acts[t]).toEqual(trained.acts[t]);
      expect(freeze.acts[t]).toEqual(trained.acts[t]);
    }
    // the hook fires after onset + 1 steps: from then on H is 0 (zero) or constant (freeze)
    for (let t = onset; t < 40; t++) {
      expect(zero.sums[t]).toBe(0);
      expect(freeze.sums[t]).toBe(freeze.sums[onset]);
    }
    expect(freeze.sums[onset]).toBe(trained.sums[onset]);
    expect(freeze.sums[onset]).toBeGreaterThan(0);
  });
});

describe("training and evaluating the arms (tiny budget)", () => {
  let root: string;
  const d = tiny();
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "spikeloco-adapt-"));
    const runs = await trainArms(d, { root, seeds: [0], workers: 0 });
    // the nominal walkers first (one per agent), then the arms warm-started from them
    expect(runs.map((r) => `${r.arm}:${r.agent}`)).toEqual(["pretrain:static", "pretrain:nm-hebb-decay", "A:static", "B:static", "C:nm-hebb-decay"]);
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("rerunning continues each run from its checkpoint; a run folder with another config is refused", async () => {
    const more = await trainArms(d, { root, seeds: [0], workers: 0, generations: 2, arms: ["A"] });
    expect(more.at(-1)).toMatchObject({ arm: "A", seed: 0, generation: 2, target: 2, stopped_by: "generations" });
    const again = await trainArms(d, { root, seeds: [0], workers: 0, generations: 2, arms: ["A"] });
    expect(again.at(-1)?.generation).toBe(2); // nothing left to do
    const other = structuredClone(d);
    other.training.lr = 0.5;
    await expect(trainArms(other, { root, seeds: [0], workers: 0, arms: ["B"] })).rejects.toThrow(/holds a run trained with another configuration/);
  }, 120_000);

  it("evaluation follows the output contract; D and E equal C before onset; the bootstrap pairs units", async () => {
    const checkpoints = { A: [runDir(root, "A", 0)], B: [runDir(root, "B", 0)], C: [runDir(root, "C", 0)] };
    const r = await evaluateAdaptation(d, { checkpoints, workers: 0, resamples: 200 });
    expect(r.split).toBe("held-out");
    if (r.split !== "held-out") return;
    expect(r.held_out.map((h) => h.condition)).toEqual(d.evaluation.heldOut.map((h) => h.name));
    expect(r.units).toBe(2);
    for (const h of [...r.held_out, r.intact]) {
      expect(Object.keys(h.arms)).toEqual(["A", "B", "C", "D", "E"]);
      for (const a of Object.values(h.arms)) {
        for (const k of ["v_pre", "v_early", "v_late", "recovery_steps", "fall_rate"] as const) expect(Number.isFinite(a[k])).toBe(true);
      }
      expect(Object.keys(h.diffs)).toEqual(["C-B", "C-D", "C-E"]);
      const v = h.diffs["C-B"].v_late;
      expect(v.ci[0]).toBeLessThanOrEqual(v.mean);
      expect(v.ci[1]).toBeGreaterThanOrEqual(v.mean);
      expect(v.mean).toBeCloseTo(h.arms.C.v_late - h.arms.B.v_late, 9);
      // ablations act only from onset: the pre-onset windows are the same episodes
      expect(h.arms.D.v_pre).toBe(h.arms.C.v_pre);
      expect(h.arms.E.v_pre).toBe(h.arms.C.v_pre);
      expect(h.diffs["C-D"].v_pre).toEqual({ mean: 0, ci: [0, 0] });
    }
    expect(r.timing.sim_seconds_per_wall_second).toBeGreaterThan(0);
    // one job re-run on its own (ablation zero-at-onset = arm D) gives the same pre-onset speed as arm C
    const runner = new EpisodeRunner();
    const e = d.evaluation;
    const job = {
      controller: 3, condition: 0, unit: 0, seed: r.episode_seeds[0], checkpoint: checkpoints.C[0], generation: 1, frozen: false, envId: r.env.id, envOptions: r.env.options,
      conditions: { ...(e.heldOut[0].conditions as object), onsetStep: e.onsetStep }, maxSteps: e.maxSteps, trace: true, onsetStep: e.onsetStep,
    };
    const asTrained = await runner.run(job);
    const zeroed = await runner.run({ ...job, ablation: "zero-at-onset" });
    const again = await runner.run(job); // the shared cached policy is unfrozen again for the next job
    await runner.close();
    expect(Array.from(zeroed.trace!.speed.subarray(0, e.onsetStep + 1))).toEqual(Array.from(asTrained.trace!.speed.subarray(0, e.onsetStep + 1)));
    expect(Array.from(again.trace!.speed)).toEqual(Array.from(asTrained.trace!.speed));
  }, 300_000);
});
