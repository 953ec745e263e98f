import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sampleConditions } from "../../src/env/conditions.ts";
import { Rng } from "../../src/core/rng.ts";
import { inertConditionWarnings, loadSuite, onsetOf, parseSuite, resolveSuite } from "../../src/eval/suite.ts";

const minimal = () => ({
  name: "mine",
  maxSteps: 200,
  nominal: "base",
  conditions: [
    { name: "base", conditions: {} },
    { name: "slippery", conditions: { friction: 0.3 } },
  ],
});

describe("built-in suites", () => {
  it("robustness lists every perturbation family the issue asks for, >= 20 conditions on the Ant", () => {
    const r = resolveSuite(loadSuite("robustness"), 4);
    expect(r.conditions.length).toBeGreaterThanOrEqual(20);
    const groups = new Map<string, number>();
    for (const c of r.conditions) groups.set(c.group, (groups.get(c.group) ?? 0) + 1);
    expect(groups.get("observation noise")).toBe(4);
    expect(groups.get("latency")).toBe(2);
    expect(groups.get("pushes")).toBe(3);
    expect(groups.get("friction")).toBe(3);
    expect(groups.get("mass")).toBe(2);
    expect(groups.get("motor strength")).toBe(2);
    expect(groups.get("damage")).toBe(4);
    expect(groups.get("action noise")).toBe(1);
    const kinds = r.conditions.map((c) => c.conditions.terrain?.kind).filter(Boolean);
    expect(kinds.filter((k) => k === "rough")).toHaveLength(2);
    expect(kinds).toEqual(expect.arrayContaining(["slope", "stairs", "gaps"]));
    const slopes = r.conditions.filter((c) => c.conditions.terrain?.kind === "slope").map((c) => (c.conditions.terrain as { direction: string }).direction);
    expect(slopes.sort()).toEqual(["down", "up"]);
    expect(r.conditions.find((c) => c.name === "leg 3 disabled")?.conditions.disabledLegs).toEqual([3]);
    // The levels themselves, not just how many there are.
    const values = (group: string, pick: (c: Record<string, unknown>) => unknown) =>
      r.conditions.filter((c) => c.group === group).map((c) => pick(c.conditions as Record<string, unknown>));
    const field = (k: string, sub?: string) => (c: Record<string, unknown>) => (sub ? (c[k] as Record<string, unknown>)[sub] : c[k]);
    expect(values("friction", field("friction"))).toEqual([0.3, 0.6, 1.5]);
    expect(values("mass", field("mass"))).toEqual([0.7, 1.3]);
    expect(values("motor strength", field("motorStrength"))).toEqual([0.5, 0.75]);
    expect(values("latency", field("latency", "steps"))).toEqual([1, 2]);
    expect(values("damage", field("disabledLegs"))).toEqual([[0], [1], [2], [3]]);
    expect(new Set(values("observation noise", field("obsNoise", "sigma"))).size).toBe(4);
    expect(new Set(values("pushes", field("pushes", "impulse"))).size).toBe(3);
    const rough = r.conditions.filter((c) => c.conditions.terrain?.kind === "rough").map((c) => (c.conditions.terrain as { amplitude: number }).amplitude);
    expect(new Set(rough).size).toBe(2);
    expect(r.conditions.find((c) => c.name === r.nominal)?.conditions).toEqual({});
    // Every condition is valid input for the env's sampler.
    for (const c of r.conditions) expect(() => sampleConditions(c.conditions, new Rng(1))).not.toThrow();
  });

  it("expands one damage condition per leg of the hexapod", () => {
    const r = resolveSuite(loadSuite("robustness"), 6);
    expect(r.conditions.filter((c) => c.group === "damage").map((c) => c.name)).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => `leg ${i} disabled`),
    );
  });

  it("adaptation puts the damage at a mid-episode onset step", () => {
    const r = resolveSuite(loadSuite("adaptation"), 4);
    expect(r.adaptation).toMatchObject({ onsetStep: 500, window: 100 });
    expect(r.maxSteps).toBe(1500);
    const leg1 = r.conditions.find((c) => c.name === "leg 1 disabled @500")!;
    expect(leg1.conditions).toEqual({ disabledLegs: [1], onsetStep: 500 });
    expect(onsetOf(r, leg1)).toBe(500);
    expect(sampleConditions(leg1.conditions, new Rng(2)).onsetStep).toBe(500);
  });
});

describe("user suites", () => {
  it("accepts a minimal valid suite", () => {
    const s = parseSuite(minimal());
    expect(resolveSuite(s, 4).conditions.map((c) => c.name)).toEqual(["base", "slippery"]);
  });

  const bad: Array<[string, (s: ReturnType<typeof minimal>) => unknown, RegExp]> = [
    ["missing maxSteps", (s) => ({ ...s, maxSteps: undefined }), /^suite\.maxSteps: /],
    ["unknown top-level field", (s) => ({ ...s, episodes: 3 }), /^suite: unknown field 'episodes'/],
    ["bad condition value", (s) => { s.conditions[1].conditions = { friction: -1 }; return s; }, /^suite\.conditions\[1\]\.conditions\.friction: /],
    ["unknown condition field", (s) => { s.conditions[1].conditions = { frcition: 0.3 } as never; return s; }, /^suite\.conditions\[1\]\.conditions: unknown field 'frcition'/],
    ["nested terrain error", (s) => { s.conditions[1].conditions = { terrain: { kind: "slope", angle: 60 } } as never; return s; }, /^suite\.conditions\[1\]\.conditions\.terrain\.angle: /],
    ["duplicate names", (s) => { s.conditions[1].name = "base"; return s; }, /^suite\.conditions\[1\]\.name: duplicate condition name 'base'/],
    ["missing nominal", (s) => ({ ...s, nominal: "flat" }), /^suite\.nominal: 'flat' is not one of the suite's condition names/],
    ["empty conditions", (s) => ({ ...s, conditions: [] }), /^suite\.conditions: must list at least one condition/],
    ["leg placeholder without forEachLeg", (s) => { s.conditions[1].conditions = { disabledLegs: ["{leg}"] } as never; return s; }, /^suite\.conditions\[1\]: uses "\{leg\}" but forEachLeg is not true/],
    ["onset after the episode", (s) => ({ ...s, adaptation: { onsetStep: 300, window: 50 } }), /^suite\.adaptation\.onsetStep: must be < maxSteps \(200\)/],
    ["onset range in an adaptation suite", (s) => { s.conditions[1].conditions = { friction: 0.3, onsetStep: [100, 150] } as never; return { ...s, adaptation: { onsetStep: 100, window: 20 } }; }, /^suite\.conditions\[1\]\.conditions\.onsetStep: adaptation suites need a fixed onset step/],
  ];
  for (const [what, mutate, pattern] of bad) {
    it(`rejects ${what} with an error naming the field`, () => {
      expect(() => parseSuite(mutate(minimal()))).toThrow(pattern);
    });
  }

  it("names the file for unreadable, non-JSON and malformed suite files", () => {
    const dir = mkdtempSync(join(tmpdir(), "spikeloco-suite-"));
    const notJson = join(dir, "broken.json");
    writeFileSync(notJson, "{ \"name\": ");
    expect(() => loadSuite(notJson)).toThrow(new RegExp(`^${notJson}: not valid JSON`));
    const malformed = join(dir, "malformed.json");
    writeFileSync(malformed, JSON.stringify({ ...minimal(), maxSteps: 2.5 }));
    expect(() => loadSuite(malformed)).toThrow(new RegExp(`^${malformed}: suite\\.maxSteps: must be an integer`));
    expect(() => loadSuite(join(dir, "absent.json"))).toThrow(/absent\.json: cannot read suite file \(ENOENT\)/);
    expect(() => loadSuite("robustnes")).toThrow(/--suite: unknown suite 'robustnes'/);
  });
});

describe("conditions that cannot act within the episode", () => {
  it("the built-in robustness suite at full length has none; shortened to 100 steps its pushes never land", () => {
    const full = resolveSuite(loadSuite("robustness"), 4);
    expect(inertConditionWarnings(full)).toEqual([]);
    const short = inertConditionWarnings({ ...full, maxSteps: 100 });
    expect(short.map((w) => w.match(/'([^']+)'/)?.[1])).toEqual(["push 0.5", "push 1.0", "push 2.0"]);
    expect(short[0]).toContain("pushes first at step 100, but episodes last 100 steps");
    expect(inertConditionWarnings({ ...full, maxSteps: 101 })).toEqual([]);
  });

  it("flags an onset at or after the last step", () => {
    const s = resolveSuite(parseSuite({ ...minimal(), conditions: [{ name: "base", conditions: {} }, { name: "late", conditions: { friction: 0.3, onsetStep: 199 } }] }), 4);
    expect(inertConditionWarnings(s)).toEqual(["condition 'late' starts at step 199, but episodes last 200 steps: it cannot act"]);
    expect(inertConditionWarnings({ ...s, maxSteps: 400 })).toEqual([]);
  });
});
