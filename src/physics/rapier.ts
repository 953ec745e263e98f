/**
 * The one place that loads Rapier. The build is pinned exactly in package.json because Rapier is only
 * deterministic for a given build and version (compat and simd-compat trajectories differ).
 */
import RAPIER from "@dimforge/rapier3d-simd-compat";

export type Rapier = typeof RAPIER;
export type World = InstanceType<Rapier["World"]>;
export type RigidBody = ReturnType<World["createRigidBody"]>;
export type Collider = ReturnType<World["createCollider"]>;
export type ImpulseJoint = ReturnType<World["createImpulseJoint"]>;
export type RevoluteImpulseJoint = InstanceType<Rapier["RevoluteImpulseJoint"]>;

export const RAPIER_PACKAGE = "@dimforge/rapier3d-simd-compat";

let ready: Promise<Rapier> | undefined;

/** Initialise the inlined WASM once per process (or worker). */
export function loadRapier(): Promise<Rapier> {
  ready ??= RAPIER.init().then(() => RAPIER);
  return ready;
}

export function rapierVersion(): string {
  return RAPIER.version();
}

/** Collision groups: robots touch only the ground (no self-collision, no robot-robot contact). */
export const GROUND_GROUPS = (0x0001 << 16) | 0x0002;
export const ROBOT_GROUPS = (0x0002 << 16) | 0x0001;
