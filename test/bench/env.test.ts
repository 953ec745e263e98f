import { describe, expect, it } from "vitest";
import { benchEnv } from "../../src/bench/env.ts";

// Shape and self-consistency of the `spikeloco bench env` result (20 control steps: no speed is asserted).
describe("bench env result", () => {
  it.each(["ant", "hexapod"])("%s on flat: every required field, ratios consistent with the rates", async (env) => {
    const r = await benchEnv({ env, terrain: { kind: "flat" }, steps: 20, rounds: 1, vec: 2, mujoco: true });
    for (const k of ["steps_per_s", "physics_steps_per_s", "raw_physics_steps_per_s", "overhead_ratio", "mujoco_wasm_steps_per_s", "vs_mujoco"] as const) {
      const v = r[k];
      expect(typeof v, k).toBe("number");
      expect(v as number, k).toBeGreaterThan(0);
    }
    expect(r.substeps).toBe(5);
    expect(r.physics_steps_per_s / r.steps_per_s).toBeCloseTo(5, 2);
    expect(r.overhead_ratio).toBeCloseTo(r.physics_steps_per_s / r.raw_physics_steps_per_s, 2);
    expect(r.vs_mujoco!).toBeCloseTo(r.physics_steps_per_s / r.mujoco_wasm_steps_per_s!, 2);
    expect(r.vec!.robots).toBe(2);
    expect(r.vec!.shared_over_separate).toBeCloseTo(r.vec!.shared_world_robot_steps_per_s / r.vec!.separate_worlds_robot_steps_per_s, 2);
    expect(r.rapier).toMatch(/^@dimforge\/rapier3d(-simd)?-compat@\d+\.\d+\.\d+$/);
  });

  it("on rough terrain the MuJoCo fields are null with a note (its MJCF has a plane)", async () => {
    const r = await benchEnv({ env: "ant", terrain: { kind: "rough" }, steps: 20, rounds: 1, vec: 0, mujoco: true });
    expect(r.terrain).toBe("rough");
    expect([r.mujoco_wasm_steps_per_s, r.vs_mujoco]).toEqual([null, null]);
    expect(r.notes.join(" ")).toMatch(/flat ground only/);
    expect(r.overhead_ratio).toBeGreaterThan(0);
    expect(r.vec).toBeUndefined();
  });
});
