import { describe, expect, it } from "vitest";
import { benchEnv, type EngineComparison, type EngineRow } from "../../src/bench/env.ts";

const positive = (x: number) => Number.isFinite(x) && x > 0;

function checkRow(r: EngineRow | null, dt: number, substeps: number, iterations: number | null): void {
  expect(r).not.toBeNull();
  expect([r!.physics_dt, r!.substeps, r!.solver_iterations]).toEqual([dt, substeps, iterations]);
  expect(r!.physics_dt * r!.substeps).toBeCloseTo(0.05, 10);
  expect(positive(r!.control_steps_per_s)).toBe(true);
  expect(r!.physics_steps_per_s).toBeCloseTo(r!.control_steps_per_s * substeps, 0);
  expect(r!.contacts_per_step).toBeGreaterThanOrEqual(0);
  expect(r!.airborne_fraction).toBeGreaterThanOrEqual(0);
  expect(r!.airborne_fraction).toBeLessThanOrEqual(1);
}

function checkComparison(c: EngineComparison): void {
  expect(c.vs_mujoco!).toBeCloseTo(c.rapier.control_steps_per_s / c.mujoco!.control_steps_per_s, 2);
}

// Shape and self-consistency of the `spikeloco bench env` result (20 control steps: no speed is asserted).
describe("bench env result", () => {
  it.each([
    ["ant", 8],
    ["hexapod", 10],
  ] as const)("%s on flat: every required field, each engine's settings, ratios consistent with the rates", async (env, iterations) => {
    const r = await benchEnv({ env, terrain: { kind: "flat" }, steps: 20, rounds: 1, vec: 2, mujoco: true });
    for (const k of ["steps_per_s", "physics_steps_per_s", "raw_physics_steps_per_s", "overhead_ratio", "mujoco_wasm_steps_per_s", "vs_mujoco"] as const) {
      expect(positive(r[k] as number), k).toBe(true);
    }
    expect(r.version).toBe(`${env}-v4`);
    expect(r.substeps).toBe(2);
    expect(r.solver_iterations).toBe(iterations);
    expect(r.physics_steps_per_s / r.steps_per_s).toBeCloseTo(2, 2);
    expect(r.overhead_ratio).toBeCloseTo(r.physics_steps_per_s / r.raw_physics_steps_per_s, 2);
    // walking at each engine's defaults: Rapier at the env version, MuJoCo at Gymnasium's 0.01 s x 5
    checkRow(r.engines.rapier, 0.025, 2, iterations);
    checkRow(r.engines.mujoco, 0.01, 5, null);
    expect(r.engines.rapier.control_steps_per_s).toBe(r.steps_per_s);
    expect(r.vs_mujoco).toBe(r.engines.vs_mujoco);
    checkComparison(r.engines);
    expect(r.mujoco_wasm_steps_per_s).toBe(r.engines.mujoco!.physics_steps_per_s);
    // standing: zero action keeps feet on the ground in both engines
    checkRow(r.standing.rapier, 0.025, 2, iterations);
    checkRow(r.standing.mujoco, 0.01, 5, null);
    checkComparison(r.standing);
    for (const e of [r.standing.rapier, r.standing.mujoco!]) {
      expect(e.contacts_per_step).toBeGreaterThanOrEqual(3);
      expect(e.airborne_fraction).toBeLessThan(0.5);
    }
    // matched: both engines at 0.01 s x 5 (Rapier at its default 4 iterations)
    expect([r.matched.physics_dt, r.matched.substeps]).toEqual([0.01, 5]);
    for (const c of [r.matched.walking, r.matched.standing]) {
      checkRow(c.rapier, 0.01, 5, 4);
      checkRow(c.mujoco, 0.01, 5, null);
      checkComparison(c);
    }
    expect(r.cached_gravity.speedup).toBeCloseTo(r.cached_gravity.cached_steps_per_s / r.cached_gravity.world_step_steps_per_s, 2);
    expect(r.vec!.robots).toBe(2);
    expect(r.vec!.shared).toBe(2);
    expect(r.vec!.bitwise_equal).toBe(true);
    expect(r.vec!.shared_over_separate).toBeCloseTo(r.vec!.shared_world_robot_steps_per_s / r.vec!.separate_worlds_robot_steps_per_s, 2);
    expect(r.rapier).toMatch(/^@dimforge\/rapier3d(-simd)?-compat@\d+\.\d+\.\d+$/);
  });

  it("a matched dt other than MuJoCo's own is measured on its own MuJoCo run", async () => {
    const r = await benchEnv({ env: "ant", terrain: { kind: "flat" }, steps: 20, rounds: 1, vec: 0, mujoco: true, matchedDt: 0.025 });
    expect([r.matched.physics_dt, r.matched.substeps]).toEqual([0.025, 2]);
    checkRow(r.matched.walking.rapier, 0.025, 2, 4);
    checkRow(r.matched.walking.mujoco, 0.025, 2, null);
  });

  it("on rough terrain the MuJoCo fields are null with a note (its MJCF has a plane)", async () => {
    const r = await benchEnv({ env: "ant", terrain: { kind: "rough" }, steps: 20, rounds: 1, vec: 0, mujoco: true });
    expect(r.terrain).toBe("rough");
    expect([r.mujoco_wasm_steps_per_s, r.vs_mujoco, r.engines.mujoco, r.standing.vs_mujoco, r.matched.walking.mujoco, r.mujoco_defaults]).toEqual([null, null, null, null, null, null]);
    expect(r.notes.join(" ")).toMatch(/flat ground only/);
    expect(r.overhead_ratio).toBeGreaterThan(0);
    expect(r.engines.rapier.contacts_per_step).toBeGreaterThan(0);
    expect(r.vec).toBeUndefined();
  });

  it("off flat ground the lockstep comparison runs every copy in its own world (shared 0), still equal", async () => {
    const r = await benchEnv({ env: "ant", terrain: { kind: "slope" }, steps: 20, rounds: 1, vec: 2, mujoco: false });
    expect([r.vec!.shared, r.vec!.bitwise_equal]).toEqual([0, true]);
  });
});
