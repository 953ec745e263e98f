import { describe, expect, it } from "vitest";
import { padTrace, recoveryTime, windowMeans } from "../../src/eval/adaptation.ts";

const spec = { onsetStep: 500, window: 100, fraction: 0.8, preOnsetWindows: 3 };

/** Speed 1.0 before onset, 0.2 right after, then a linear ramp back to 1.0 over `rampSteps`. */
function dropAndRamp(total: number, rampSteps: number): Float64Array {
  const v = new Float64Array(total);
  for (let t = 0; t < total; t++) {
    if (t < 500) v[t] = 1;
    else v[t] = Math.min(1, 0.2 + (0.8 * (t - 500)) / rampSteps);
  }
  return v;
}

describe("window means", () => {
  it("averages consecutive windows and drops the partial tail", () => {
    expect(Array.from(windowMeans([1, 2, 3, 4, 5, 6, 7], 3))).toEqual([2, 5]);
  });

  it("pads a terminated episode with zeros", () => {
    expect(Array.from(padTrace([3, 4], 4))).toEqual([3, 4, 0, 0]);
  });
});

describe("recovery time", () => {
  it("matches the analytic crossing of a linear ramp", () => {
    // Moving average over [s, s+100) of 0.2 + 0.8 (t-500)/R crosses 0.8 where its midpoint value is 0.8:
    // 0.2 + 0.8 (s + 49.5)/R = 0.8  =>  s = 0.75 R - 49.5 (while the window stays on the ramp).
    const R = 600;
    const r = recoveryTime(dropAndRamp(1500, R), spec);
    expect(r.defined).toBe(true);
    expect(r.preOnsetSpeed).toBeCloseTo(1, 12);
    expect(r.steps).toBe(Math.ceil(0.75 * R - 49.5));
    expect(r.minRelativeSpeed).toBeCloseTo(0.2 + (0.8 * 49.5) / R, 10);
  });

  it("is zero when the perturbation does not slow the robot", () => {
    const r = recoveryTime(new Float64Array(1500).fill(0.7), spec);
    expect(r.steps).toBe(0);
    expect(r.minRelativeSpeed).toBeCloseTo(1, 12);
  });

  it("is null (censored) when speed never comes back or the robot fell", () => {
    const v = padTrace(dropAndRamp(1500, 5000).subarray(0, 800), 1500);
    const r = recoveryTime(v, spec);
    expect(r.steps).toBeNull();
    expect(r.defined).toBe(true);
    expect(r.minRelativeSpeed).toBe(0);
  });

  it("uses only the pre-onset windows it is told to", () => {
    const v = dropAndRamp(1500, 100);
    v.fill(5, 0, 200); // outside the 3 pre-onset windows [200, 500)
    expect(recoveryTime(v, spec).preOnsetSpeed).toBeCloseTo(1, 12);
  });

  it("is undefined when the robot was not moving forward before onset", () => {
    const r = recoveryTime(new Float64Array(1500).fill(-0.1), spec);
    expect(r.defined).toBe(false);
    expect(r.steps).toBeNull();
  });
});
