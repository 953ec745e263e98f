/**
 * An episode's Rapier world: the terrain's colliders and the robot at its start pose (lowest foot resting on
 * the ground, joint angles and torso velocity drawn from the reset seed), or the same rebuilt from snapshot
 * bytes. Terrain descriptions are kept while the terrain (spec and seed) stays the same.
 */
import { Rng, deriveSeed } from "../core/rng.ts";
import type { BuiltRobot } from "../physics/builder.ts";
import { buildRobot, forwardKinematics } from "../physics/builder.ts";
import type { Quat, Vec3 } from "../physics/math.ts";
import { rotateInto } from "../physics/math.ts";
import type { Collider, Rapier, World } from "../physics/rapier.ts";
import type { RobotDescription } from "../physics/robot.ts";
import type { TerrainDescription, TerrainSpec } from "../physics/terrain.ts";
import { buildTerrain, describeTerrain, maxHeightNear, shiftTerrain } from "../physics/terrain.ts";
import type { EnvSettings } from "./options.ts";
import type { EpisodeTerrain } from "./state.ts";

export interface EpisodeWorld {
  world: World;
  robot: BuiltRobot;
  ground: Collider[];
}

/** Rapier handles of the robot's and the ground's parts (a restored world is looked up by them). */
export interface WorldHandles {
  bodies: number[];
  joints: number[];
  robotColliders: number[][];
  footColliders: number[];
  groundColliders: number[];
}

/** The terrain an episode's seed gives; only seeded terrains (rough) keep the seed, others get 0. */
export function episodeTerrain(spec: TerrainSpec, episodeSeed: number): EpisodeTerrain {
  return { spec, seed: spec.kind === "rough" ? deriveSeed(episodeSeed, "terrain") : 0 };
}

/** One-entry cache: describing a rough terrain costs milliseconds, and training resets on the same one often. */
export class TerrainCache {
  private key = "";
  current: TerrainDescription = describeTerrain({ kind: "flat" }, 0);

  get(t: EpisodeTerrain): TerrainDescription {
    const key = `${JSON.stringify(t.spec)}:${t.seed}:${t.featureStartX ?? ""}`;
    if (key !== this.key) {
      const described = describeTerrain(t.spec, t.seed);
      this.current = t.featureStartX === undefined ? described : shiftTerrain(described, t.featureStartX);
      this.key = key;
    }
    return this.current;
  }
}

export function buildEpisodeWorld(R: Rapier, robot: RobotDescription, terrain: TerrainDescription, s: EnvSettings, episodeSeed: number): EpisodeWorld {
  const { world, ground } = buildGround(R, terrain, s);
  return { world, robot: addRobot(R, world, robot, terrain, s, episodeSeed), ground };
}

/** A world holding only the terrain, with the env's physics settings. */
export function buildGround(R: Rapier, terrain: TerrainDescription, s: EnvSettings): { world: World; ground: Collider[] } {
  const world = new R.World({ x: 0, y: 0, z: s.gravity });
  world.timestep = s.physicsDt;
  world.integrationParameters.numSolverIterations = s.solverIterations;
  return { world, ground: buildTerrain(R, world, terrain, 1) };
}

/** The robot at its start pose for `episodeSeed`, added to `world` (robots collide only with the ground). */
export function addRobot(R: Rapier, world: World, robot: RobotDescription, terrain: TerrainDescription, s: EnvSettings, episodeSeed: number): BuiltRobot {
  const rng = new Rng(deriveSeed(episodeSeed, "reset-noise"));
  const noise = s.resetNoiseScale;
  const angles = new Float64Array(robot.joints.length);
  robot.joints.forEach((j, i) => {
    const a = noise > 0 ? rng.range(-noise, noise) : 0;
    angles[i] = Math.min(Math.max(a, j.limits[0]), j.limits[1]);
  });
  const identity: Quat = [0, 0, 0, 1];
  const groundZ = maxHeightNear(terrain, 0, 0, 0.8);
  // place the robot so that its lowest foot rests on the ground
  const probe = forwardKinematics(robot, [0, 0, 0], identity, angles);
  let lowest = Infinity;
  for (const f of robot.feet) {
    const q = probe.rotation[f.body]!;
    const p = probe.position[f.body]!;
    const w = rotateInto(q[0], q[1], q[2], q[3], f.point[0], f.point[1], f.point[2], [0, 0, 0]);
    lowest = Math.min(lowest, p[2] + w[2] - f.radius);
  }
  const rootZ = groundZ - lowest + 0.002;
  const pose = forwardKinematics(robot, [0, 0, rootZ], identity, angles);
  const built = buildRobot(R, world, robot, pose);
  // torso velocity noise, as a rigid motion of the whole robot (so joint velocities start at zero)
  if (noise > 0) {
    const v: Vec3 = [noise * rng.normal(), noise * rng.normal(), noise * rng.normal()];
    const w: Vec3 = [noise * rng.normal(), noise * rng.normal(), noise * rng.normal()];
    const root = pose.position[0]!;
    built.bodies.forEach((body, b) => {
      const r = pose.position[b]!;
      const dx = r[0] - root[0], dy = r[1] - root[1], dz = r[2] - root[2];
      body.setLinvel({ x: v[0] + w[1] * dz - w[2] * dy, y: v[1] + w[2] * dx - w[0] * dz, z: v[2] + w[0] * dy - w[1] * dx }, true);
      body.setAngvel({ x: w[0], y: w[1], z: w[2] }, true);
    });
  }
  return built;
}

/**
 * Takes a robot out of the simulation without removing it: its bodies (with their colliders and joints)
 * are disabled. Removing them instead reorders Rapier's internal sets, and the other robots of a shared
 * world then drift in the last bits (measured); disabled bodies leave the others' numbers unchanged.
 */
export function freezeRobot(built: BuiltRobot): void {
  for (const b of built.bodies) b.setEnabled(false);
}

/**
 * Replaces the ground of `w` by `terrain` mid-episode. The old colliders are disabled, not removed: removing
 * the ground body under a robot in contact made Rapier's step panic.
 */
export function replaceGround(R: Rapier, w: EpisodeWorld, terrain: TerrainDescription): void {
  for (const c of w.ground) c.setEnabled(false);
  w.ground = buildTerrain(R, w.world, terrain, 1);
}

export function worldHandles(w: EpisodeWorld): WorldHandles {
  return {
    bodies: w.robot.bodies.map((b) => b.handle),
    joints: w.robot.joints.map((j) => j.handle),
    robotColliders: w.robot.colliders.map((cs) => cs.map((c) => c.handle)),
    footColliders: w.robot.footColliders.map((c) => c.handle),
    groundColliders: w.ground.map((c) => c.handle),
  };
}

export function restoreEpisodeWorld(R: Rapier, robot: RobotDescription, bytes: Uint8Array, h: WorldHandles): EpisodeWorld {
  const world = R.World.restoreSnapshot(bytes);
  return {
    world,
    robot: {
      desc: robot,
      bodies: h.bodies.map((hd) => world.getRigidBody(hd)),
      joints: h.joints.map((hd) => world.getImpulseJoint(hd) as BuiltRobot["joints"][number]),
      colliders: h.robotColliders.map((cs) => cs.map((hd) => world.getCollider(hd))),
      footColliders: h.footColliders.map((hd) => world.getCollider(hd)),
    },
    ground: h.groundColliders.map((hd) => world.getCollider(hd)),
  };
}
