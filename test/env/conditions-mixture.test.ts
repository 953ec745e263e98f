import { describe, expect, it } from "vitest";
import { allocateStrata, maxOnsetStep, parseConditions, sampleConditions, strata, type Conditions } from "../../src/env/conditions.ts";
import { Rng } from "../../src/core/rng.ts";
import { makeEnv } from "../../envs/index.ts";
import { terrainHeightAt } from "../../src/physics/terrain.ts";

const damage: Conditions = {
  onsetStep: [150, 350],
  mixture: [
    { name: "intact", weight: 1 },
    { name: "leg", weight: 3, disabledLegs: { oneOf: [[0], [1], [2]] } },
  ],
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("did not throw");
}

describe("condition mixtures and categorical draws", () => {
  it("strata: components x categorical choices with their probabilities, shared fields merged in", () => {
    const s = strata(damage);
    expect(s.map((x) => x.name)).toEqual(["intact", "leg/disabledLegs=[0]", "leg/disabledLegs=[1]", "leg/disabledLegs=[2]"]);
    expect(s.map((x) => x.weight)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(s[2]!.conditions).toEqual({ onsetStep: [150, 350], disabledLegs: [1] });
    expect(s[0]!.conditions).toEqual({ onsetStep: [150, 350] });
    // weighted categorical: weights are relative; a zero-weight option is no stratum
    const t = strata({ terrain: { oneOf: [{ kind: "rough" }, { kind: "stairs" }, { kind: "gaps" }], weights: [3, 1, 0] } });
    expect(t.map((x) => [x.name, x.weight])).toEqual([['terrain={"kind":"rough"}', 0.75], ['terrain={"kind":"stairs"}', 0.25]]);
    // no distribution: one stratum
    expect(strata({ friction: 0.5 })).toEqual([{ name: "all", weight: 1, conditions: { friction: 0.5 } }]);
    // a component's own field wins over the shared one
    expect(strata({ friction: 0.5, mixture: [{ weight: 1, friction: 0.9 }, { weight: 1 }] }).map((x) => x.conditions.friction)).toEqual([0.9, 0.5]);
  });

  it("sampling draws components and choices with the stated frequencies, reproducibly from the rng", () => {
    const n = 4000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = sampleConditions(damage, new Rng(1000 + i));
      const key = `${r.component}:${JSON.stringify(r.disabledLegs ?? [])}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      expect(r.onsetStep).toBeGreaterThanOrEqual(150);
      expect(r.onsetStep).toBeLessThanOrEqual(350);
    }
    expect([...counts.keys()].sort()).toEqual(["intact:[]", "leg:[0]", "leg:[1]", "leg:[2]"]);
    // each cell has p = 0.25: binomial std = sqrt(n p (1-p)) = 27; allow 4 std
    for (const c of counts.values()) expect(Math.abs(c - n / 4)).toBeLessThan(110);
    expect(sampleConditions(damage, new Rng(7))).toEqual(sampleConditions(damage, new Rng(7)));
  });

  it("conditions without distributions draw exactly as before (no extra rng draws)", () => {
    const c: Conditions = { friction: [0.3, 0.9], onsetStep: [10, 20] };
    const r = sampleConditions(c, new Rng(5));
    const rng = new Rng(5);
    const onset = 10 + rng.int(11);
    expect(r.onsetStep).toBe(onset);
    expect(r.friction).toBe(rng.range(0.3, 0.9));
    expect(r.component).toBeUndefined();
  });

  it("stratified allocation gives each stratum floor or ceil of k * weight episodes, for any offset", () => {
    const w = [0.25, 0.25, 0.25, 0.25];
    for (const u of [0, 0.3, 0.999]) expect(allocateStrata(w, 4, u).sort()).toEqual([0, 1, 2, 3]);
    expect(allocateStrata(w, 8, 0.5).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const uneven = [0.5, 0.3, 0.2];
    for (let i = 0; i < 50; i++) {
      const u = i / 50;
      const a = allocateStrata(uneven, 10, u);
      const count = (s: number) => a.filter((x) => x === s).length;
      expect(count(0)).toBe(5);
      expect(count(1)).toBe(3);
      expect(count(2)).toBe(2);
    }
    // k below the number of strata: over offsets, each stratum is picked with its probability
    const hits = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) for (const s of allocateStrata(w, 2, (i + 0.5) / 1000)) hits[s]! += 1;
    expect(hits).toEqual([500, 500, 500, 500]);
  });

  it("maxOnsetStep reads the largest onset any stratum can draw", () => {
    expect(maxOnsetStep(damage)).toBe(350);
    expect(maxOnsetStep({ mixture: [{ weight: 1, onsetStep: 40 }, { weight: 1, onsetStep: { oneOf: [10, [100, 120]] } }] })).toBe(120);
    expect(maxOnsetStep({})).toBe(0);
  });

  it("the env draws a mixture from the episode seed; info.conditions names the component", async () => {
    const env = await makeEnv("ant", { conditions: damage });
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const info = env.reset({ seed: s }).info;
      seen.add(`${info.conditions.component}:${JSON.stringify(info.conditions.disabledLegs ?? [])}`);
    }
    expect(seen.size).toBe(4);
    const a = env.reset({ seed: 11 }).info.conditions;
    const copy = JSON.parse(JSON.stringify(a));
    expect(env.reset({ seed: 11 }).info.conditions).toEqual(copy);
    env.close();
  });

  it("bad input names the field", () => {
    expect(message(() => parseConditions({ mixture: [] }))).toBe("conditions.mixture: must be a non-empty list of weighted condition sets");
    expect(message(() => parseConditions({ mixture: {} }))).toBe("conditions.mixture: must be a non-empty list of weighted condition sets");
    expect(message(() => parseConditions({ mixture: [3] }))).toBe("conditions.mixture[0]: must be an object (a condition set with a weight)");
    expect(message(() => parseConditions({ mixture: [{ name: "a" }] }))).toBe("conditions.mixture[0].weight: is required (a number > 0)");
    expect(message(() => parseConditions({ mixture: [{ weight: 0 }] }))).toBe("conditions.mixture[0].weight: must be a finite number > 0");
    expect(message(() => parseConditions({ mixture: [{ weight: "1" }] }))).toBe("conditions.mixture[0].weight: must be a finite number > 0");
    expect(message(() => parseConditions({ mixture: [{ weight: 1, name: "" }] }))).toBe("conditions.mixture[0].name: must be a non-empty string");
    expect(message(() => parseConditions({ mixture: [{ weight: 1, name: "a" }, { weight: 1, name: "a" }] }))).toBe("conditions.mixture[1].name: duplicate component name 'a'");
    expect(message(() => parseConditions({ mixture: [{ weight: 1, mixture: [] }] }))).toBe("conditions.mixture[0].mixture: mixtures do not nest");
    expect(message(() => parseConditions({ mixture: [{ weight: 1 }, { weight: 1, friction: -1 }] }))).toBe("conditions.mixture[1].friction: must be > 0");
    expect(message(() => parseConditions({ mixture: [{ weight: 1, gravity: 2 }] }))).toBe("conditions.mixture[0]: unknown field 'gravity'");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [] } }))).toBe("conditions.disabledLegs.oneOf: must be a non-empty list of values to draw from");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [[0], [-1]] } }))).toBe("conditions.disabledLegs.oneOf[1][0]: must be >= 0");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [[0]], weight: [1] } }))).toBe("conditions.disabledLegs: unknown field 'weight' (a categorical draw has oneOf and weights)");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [[0], [1]], weights: [1] } }))).toBe("conditions.disabledLegs.weights: must list one weight per option (2)");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [[0], [1]], weights: [1, -1] } }))).toBe("conditions.disabledLegs.weights[1]: must be a finite number >= 0");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [[0], [1]], weights: [0, 0] } }))).toBe("conditions.disabledLegs.weights: must not all be 0");
    expect(message(() => parseConditions({ disabledLegs: { oneOf: [{ oneOf: [[0]] }] } }))).toBe("conditions.disabledLegs.oneOf[0]: categorical draws do not nest");
    expect(message(() => parseConditions({ gravity: { oneOf: [1] } }))).toBe("conditions: unknown field 'gravity'");
    expect(message(() => parseConditions({ terrain: { oneOf: [{ kind: "rough" }, { kind: "lava" }] } }))).toBe('conditions.terrain.oneOf[1].kind: unknown terrain kind "lava" (known: flat, rough, slope, stairs, gaps)');
    expect(message(() => parseConditions({ mixture: [{ weight: 1, onsetStep: { oneOf: [[20, 10]] } }] }))).toBe("conditions.mixture[0].onsetStep.oneOf[0]: range must be [lo, hi] with lo <= hi");
    expect(message(() => parseConditions([1]))).toBe("conditions: must be an object of condition fields");
  });

  it("leg indices of categorical and mixture draws are checked against the robot at reset", async () => {
    const env = await makeEnv("ant");
    expect(message(() => env.reset({ seed: 0, conditions: { disabledLegs: { oneOf: [[7]] } } }))).toBe(`conditions.disabledLegs[0]: leg index 7 out of range [0, 3] for '${env.id}'`);
    env.close();
  });

  it("terrainFromOnset: flat ground until onset, then the terrain starts 0.3 m ahead of the torso; a snapshot keeps it", async () => {
    for (const terrain of [{ kind: "stairs" as const, stepHeight: 0.05, stepWidth: 0.3 }, { kind: "rough" as const, amplitude: 0.05 }]) {
      const env = await makeEnv("ant", { conditions: { terrain, terrainFromOnset: true, onsetStep: 10 } });
      env.reset({ seed: 4 });
      const a = new Float32Array(8);
      for (let t = 0; t < 10; t++) env.step(a);
      expect(env.terrain.kind).toBe("flat");
      const r = env.step(a);
      expect(env.terrain.kind).toBe(terrain.kind);
      const x = r.info.x;
      // switched on during this step, before the physics ran: the torso has moved < 1 cm since
      expect(Math.abs(env.terrain.originX! + 1 - (x + 0.3))).toBeLessThan(0.01);
      expect(terrainHeightAt(env.terrain, x, r.info.y)).toBeCloseTo(0, 6); // the robot stands on flat ground
      if (terrain.kind === "stairs") expect(terrainHeightAt(env.terrain, x + 0.45, 0)).toBeCloseTo(0.05, 6);
      else expect(Math.abs(terrainHeightAt(env.terrain, x + 3, 1))).toBeGreaterThan(0);
      const snap = env.snapshot();
      const next = Array.from(env.step(a).obs);
      env.restore(snap);
      expect(env.terrain.originX).toBeCloseTo(x + 0.3 - 1, 2);
      expect(Array.from(env.step(a).obs)).toEqual(next);
      for (let t = 0; t < 20; t++) expect(env.step(a).terminated).toBe(false);
      env.close();
    }
    // onset 0: the terrain is there from the start, as without the flag
    const env = await makeEnv("ant", { conditions: { terrain: { kind: "stairs" }, terrainFromOnset: true } });
    env.reset({ seed: 1 });
    expect(env.terrain.kind).toBe("stairs");
    expect(env.terrain.originX).toBeUndefined();
    env.close();
  });
});
