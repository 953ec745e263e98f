/**
 * World.step() without its per-call allocation. Rapier's World.step() goes through PhysicsPipeline.step(),
 * which converts the JS gravity vector into a new WASM-side RawVector (an allocation plus a
 * FinalizationRegistry entry) and frees it again on every call. A WorldStepper converts gravity once and
 * calls the raw pipeline step with the same arguments, so trajectories are bitwise those of World.step()
 * (test/physics/step.test.ts) at a lower fixed cost per physics step.
 * Only for worlds stepped without an event queue or physics hooks (ours).
 */
import type { Rapier, World } from "./rapier.ts";

type RawVector = ReturnType<Rapier["VectorOps"]["intoRaw"]>;

export class WorldStepper {
  private readonly raw: RawVector;
  private readonly gx: number;
  private readonly gy: number;
  private readonly gz: number;

  constructor(R: Rapier, gravity: { x: number; y: number; z: number }) {
    // Rapier keeps gravity in f32: a world restored from a snapshot reads back the rounded value
    this.gx = Math.fround(gravity.x);
    this.gy = Math.fround(gravity.y);
    this.gz = Math.fround(gravity.z);
    this.raw = R.VectorOps.intoRaw(gravity);
  }

  /** One physics step of `world`, whose gravity must be the one this stepper was made with. */
  step(world: World): void {
    const g = world.gravity;
    if (Math.fround(g.x) !== this.gx || Math.fround(g.y) !== this.gy || Math.fround(g.z) !== this.gz) {
      world.step(); // gravity was changed on the world: take Rapier's own path
      return;
    }
    world.physicsPipeline.raw.step(
      this.raw,
      world.integrationParameters.raw,
      world.islands.raw,
      world.broadPhase.raw,
      world.narrowPhase.raw,
      world.bodies.raw,
      world.colliders.raw,
      world.impulseJoints.raw,
      world.multibodyJoints.raw,
      world.ccdSolver.raw,
    );
  }

  free(): void {
    this.raw.free();
  }
}
