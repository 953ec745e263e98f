/**
 * The report's numbers from hand-made paired episode records with known answers: per-cell mean, distance,
 * fall rate, retention, paired differences between controllers, the paired-design checks, and the
 * adaptation windows / recovery aggregation.
 */
import { describe, expect, it } from "vitest";
import { aggregate, groupCells, type EpisodeRecord } from "../../src/eval/aggregate.ts";
import { parseSuite, resolveSuite } from "../../src/eval/suite.ts";

const UNITS = 4;
const SEEDS = [101, 202, 303, 404];

function record(controller: number, condition: number, unit: number, ret: number, extra: Partial<EpisodeRecord> = {}): EpisodeRecord {
  return { controller, condition, unit, seed: SEEDS[unit], return: ret, distance: ret / 10, steps: 100, fell: false, terms: { forward: ret }, ...extra };
}

const robustness = resolveSuite(parseSuite({
  name: "synthetic",
  maxSteps: 100,
  nominal: "nominal",
  conditions: [
    { name: "nominal", conditions: {} },
    { name: "half", group: "friction", conditions: { friction: 0.3 } },
    { name: "falls", group: "mass", conditions: { mass: 1.3 } },
  ],
}), 4);

/** Controller 0: nominal 10..16, "half" = nominal / 2, "falls" = nominal with one fall. Controller 1 = controller 0 - 3. */
function robustnessRecords(): EpisodeRecord[] {
  const out: EpisodeRecord[] = [];
  const nominal = [10, 12, 14, 16];
  for (let c = 0; c < 2; c++) {
    for (let u = 0; u < UNITS; u++) {
      const shift = c === 0 ? 0 : -3;
      out.push(record(c, 0, u, nominal[u] + shift));
      out.push(record(c, 1, u, nominal[u] / 2 + shift, { offCourse: c === 1 && u < 2 }));
      out.push(record(c, 2, u, nominal[u] + shift, { fell: u === 1 }));
    }
  }
  return out;
}

const ids = [{ id: "A" }, { id: "B" }];

describe("aggregate: per-condition numbers", () => {
  const r = aggregate(robustness, ids, UNITS, robustnessRecords(), { resamples: 500, seed: 7 });
  const cell = (c: string, k: string) => r.cells.find((x) => x.controller === c && x.condition === k)!;

  it("reports mean return with an interval around it, forward distance, fall rate and n per cell", () => {
    expect(r.cells).toHaveLength(2 * 3);
    const nom = cell("A", "nominal");
    expect(nom.n).toBe(UNITS);
    expect(nom.return.estimate).toBe(13);
    expect(nom.return.lo).toBeLessThan(13);
    expect(nom.return.hi).toBeGreaterThan(13);
    expect(nom.distance.estimate).toBeCloseTo(1.3, 12);
    expect(nom.fallRate).toBe(0);
    expect(nom.terms).toEqual({ forward: 13 });
    expect(cell("A", "falls").fallRate).toBe(0.25);
    // leaving the course is counted apart from falls
    expect([cell("A", "half").offCourseRate, cell("B", "half").offCourseRate, cell("B", "half").fallRate]).toEqual([0, 0.5, 0]);
    expect(r.summary.map((x) => x.offCourseRate)).toEqual([0, 0.5 / 3]);
    expect(cell("A", "half").group).toBe("friction");
  });

  it("retention is the ratio of paired means (condition over nominal), for return and distance", () => {
    expect(cell("A", "nominal").retention).toEqual({ estimate: 1, lo: 1, hi: 1 });
    expect(cell("A", "half").retention).toEqual({ estimate: 0.5, lo: 0.5, hi: 0.5 });
    expect(cell("A", "half").distanceRetention.estimate).toBeCloseTo(0.5, 12);
    // B: nominal 7, 9, 11, 13 (mean 10); half 2, 3, 4, 5 (mean 3.5).
    expect(cell("B", "half").retention.estimate).toBeCloseTo(0.35, 12);
  });

  it("paired differences between controllers: return(A) - return(B) and retention(A) - retention(B)", () => {
    expect(r.comparisons).toHaveLength(3);
    const half = r.comparisons.find((c) => c.condition === "half")!;
    expect([half.a, half.b]).toEqual(["A", "B"]);
    // Every paired difference is exactly 3, so the paired interval collapses onto it.
    expect(half.returnDifference).toEqual({ estimate: 3, lo: 3, hi: 3 });
    expect(half.retentionDifference.estimate).toBeCloseTo(0.5 - 0.35, 12);
    expect(half.retentionDifference.lo).toBeLessThanOrEqual(half.retentionDifference.estimate);
    expect(half.retentionDifference.hi).toBeGreaterThanOrEqual(half.retentionDifference.estimate);
  });

  it("summarises mean retention over the non-nominal conditions", () => {
    const a = r.summary.find((s) => s.controller === "A")!;
    expect(a.meanRetention).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(a.fallRate).toBeCloseTo(0.25 / 3, 12);
    expect(a.nominalReturn.estimate).toBe(13);
  });

  it("is a pure function of the records and the seed", () => {
    const again = aggregate(robustness, ids, UNITS, robustnessRecords().reverse(), { resamples: 500, seed: 7 });
    expect(again).toEqual(r);
  });
});

describe("aggregate: the paired design is enforced", () => {
  it("rejects a cell whose unit ran with a different seed", () => {
    const records = robustnessRecords();
    const i = records.findIndex((x) => x.controller === 1 && x.condition === 2 && x.unit === 3);
    records[i] = { ...records[i], seed: 999 };
    expect(() => groupCells(records, 2, 3, UNITS)).toThrow(/unpaired seeds: 1\/2 unit 3 used 999, expected 404/);
  });

  it("rejects missing and duplicate episodes", () => {
    const records = robustnessRecords();
    expect(() => groupCells(records.slice(1), 2, 3, UNITS)).toThrow(/missing episode record 0\/0 unit 0/);
    expect(() => groupCells([...records, records[0]], 2, 3, UNITS)).toThrow(/duplicate episode record 0\/0 unit 0/);
  });
});

describe("aggregate: adaptation windows and recovery", () => {
  const suite = resolveSuite(parseSuite({
    name: "synthetic-adaptation",
    maxSteps: 200,
    nominal: "nominal",
    adaptation: { onsetStep: 100, window: 20, recoveryFraction: 0.8, preOnsetWindows: 2 },
    conditions: [
      { name: "nominal", conditions: {} },
      { name: "damage", conditions: { disabledLegs: [0], onsetStep: 100 } },
    ],
  }), 4);
  const ramps = [40, 60, 80]; // units 0..2 recover along a ramp; unit 3 falls at step 120
  const speedAt = (u: number, t: number): number => {
    if (t < 100) return 1;
    if (u === 3) return 0.2;
    return Math.min(1, 0.2 + (0.8 * (t - 100)) / ramps[u]);
  };
  const records: EpisodeRecord[] = [];
  for (let u = 0; u < UNITS; u++) {
    const steps = u === 3 ? 120 : 200;
    const speed = Float32Array.from({ length: steps }, (_, t) => speedAt(u, t));
    const reward = speed.map((v) => 2 * v);
    records.push(record(0, 0, u, 400, { trace: { reward: new Float32Array(200).fill(2), speed: new Float32Array(200).fill(1) } }));
    records.push(record(0, 1, u, 300, { steps, fell: u === 3, trace: { reward, speed } }));
  }
  const r = aggregate(suite, [{ id: "A" }], UNITS, records, { resamples: 500, seed: 1 });
  const damage = r.adaptation.find((a) => a.condition === "damage")!;

  it("gives reward and speed per window before and after onset, a fall counting as zero after it ends", () => {
    expect(damage.onsetStep).toBe(100);
    expect(damage.windows.map((w) => w.start)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    for (const w of damage.windows.slice(0, 5)) {
      expect(w.speed).toEqual({ estimate: 1, lo: 1, hi: 1 });
      expect(w.reward.estimate).toBe(2);
    }
    // Window [120, 140): the three ramps averaged with the fallen unit's zeros.
    let expected = 0;
    for (let u = 0; u < 3; u++) for (let t = 120; t < 140; t++) expected += Math.fround(speedAt(u, t));
    expected /= 20 * UNITS;
    expect(damage.windows[6].speed.estimate).toBeCloseTo(expected, 6);
    expect(damage.windows[6].reward.estimate).toBeCloseTo(2 * expected, 5);
    expect(damage.windows[6].speed.lo).toBeLessThan(damage.windows[6].speed.hi);
  });

  it("recovery time is the first post-onset window average at the stated fraction of pre-onset speed", () => {
    // Window average over [s, s + 20) of 0.2 + 0.8 (t - 100) / R reaches 0.8 at s - 100 = ceil(0.75 R - 9.5).
    const steps = ramps.map((R) => Math.ceil(0.75 * R - 9.5));
    expect(steps).toEqual([21, 36, 51]);
    expect(damage.recoveryFraction).toBe(0.8);
    expect(damage.defined).toBe(4);
    expect(damage.recoveredRate).toBe(0.75); // the fallen unit never recovers
    expect(damage.recoverySteps!.estimate).toBeCloseTo((21 + 36 + 51) / 3, 12);
    expect(damage.preOnsetSpeed.estimate).toBeCloseTo(1, 6);
    // Lowest window average: the first post-onset window of each ramp, and 0 for the fallen unit.
    expect(damage.minRelativeSpeed.estimate).toBeCloseTo((ramps.reduce((s, R) => s + 0.2 + (0.8 * 9.5) / R, 0) + 0) / UNITS, 5);
    const nominal = r.adaptation.find((a) => a.condition === "nominal")!;
    expect(nominal.recoverySteps).toEqual({ estimate: 0, lo: 0, hi: 0 });
    expect(nominal.rewardAfterOverBefore).toBe(1);
    expect(damage.rewardAfterOverBefore).toBeLessThan(1);
  });

  it("refuses an adaptation aggregate without per-step traces", () => {
    const bare = records.map(({ trace: _t, ...rest }) => rest);
    expect(() => aggregate(suite, [{ id: "A" }], UNITS, bare)).toThrow(/adaptation suite needs per-step traces/);
  });
});
