import { describe, expect, it } from "vitest";
import { envDefinition } from "../../envs/index.ts";
import { sinusoidalGait } from "../../src/env/gait.ts";
import { LocomotionEnv } from "../../src/env/locomotion.ts";
import { resolveOptions, type EnvOptions } from "../../src/env/options.ts";
import { loadRapier } from "../../src/physics/rapier.ts";
import { WorldStepper } from "../../src/physics/step.ts";

async function pair(id: string, options: EnvOptions): Promise<[LocomotionEnv, LocomotionEnv]> {
  const R = await loadRapier();
  const def = envDefinition(id);
  const settings = resolveOptions(def.defaults, options);
  return [new LocomotionEnv(R, def, settings), new LocomotionEnv(R, def, settings, { rapierStep: true })];
}

const bytes = (a: Float32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("WorldStepper (cached raw gravity)", () => {
  it.each(["ant", "ant-v3", "hexapod"])("%s: bitwise the trajectory and world state of World.step(), with pushes and rough ground", async (id) => {
    const conditions = { terrain: { kind: "rough" as const }, pushes: { interval: 40, impulse: 0.4 }, actionNoise: { sigma: 0.05 } };
    const [fast, rapier] = await pair(id, { terminateWhenUnhealthy: false, conditions });
    const gait = sinusoidalGait(fast.robot);
    const action = new Float32Array(fast.actionSpace.shape[0]);
    fast.reset({ seed: 11 });
    rapier.reset({ seed: 11 });
    for (let t = 0; t < 300; t++) {
      gait.action(t * fast.controlDt, action);
      const a = fast.step(action);
      const oa = a.obs.slice();
      const ra = a.reward;
      const b = rapier.step(action);
      expect(bytes(oa).equals(bytes(b.obs)), `obs at step ${t}`).toBe(true);
      expect(Object.is(ra, b.reward)).toBe(true);
    }
    expect(bytes(fast.physics.world.takeSnapshot()).equals(bytes(rapier.physics.world.takeSnapshot()))).toBe(true);
    // a restored world reads its gravity back in f32; the stepper still takes the cached path with the same result
    const snap = fast.snapshot();
    fast.restore(snap);
    rapier.restore(snap);
    for (let t = 300; t < 350; t++) {
      gait.action(t * fast.controlDt, action);
      const oa = fast.step(action).obs.slice();
      expect(bytes(oa).equals(bytes(rapier.step(action).obs)), `obs at step ${t} after restore`).toBe(true);
    }
    fast.close();
    rapier.close();
  });

  it("a world whose gravity was changed after the stepper was made is stepped with its own gravity", async () => {
    const R = await loadRapier();
    const stepper = new WorldStepper(R, { x: 0, y: 0, z: -9.81 });
    const fall = (g: number, viaStepper: boolean) => {
      const w = new R.World({ x: 0, y: 0, z: -9.81 });
      w.gravity = { x: 0, y: 0, z: g };
      const b = w.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation(0, 0, 10));
      w.createCollider(R.ColliderDesc.ball(0.1), b);
      for (let i = 0; i < 10; i++) (viaStepper ? stepper.step(w) : w.step());
      const z = b.translation().z;
      w.free();
      return z;
    };
    expect(fall(-1, true)).toBe(fall(-1, false));
    expect(fall(-1, true)).not.toBe(fall(-9.81, true));
  });
});
