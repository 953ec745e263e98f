/**
 * Declarative robot description: bodies with shapes, sizes and densities; revolute joints with axis,
 * limits and PD motor gains; legs grouping joints and a foot. Robots are data, built by builder.ts.
 *
 * Conventions: z up, x forward. Every body's rest rotation is the identity (bends are baked into the
 * geometry), so a joint angle of 0 is the rest pose and Rapier's revolute angle equals ours.
 * Positions are in the robot frame at rest (torso origin at 0,0,0); the builder lifts the robot by
 * `spawnHeight`.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Vec3 } from "./math.ts";

export type ShapeDescription =
  | { kind: "sphere"; radius: number; center: Vec3 }
  | { kind: "capsule"; radius: number; from: Vec3; to: Vec3 }
  | { kind: "box"; halfExtents: Vec3; center: Vec3 };

export interface GeomDescription {
  shape: ShapeDescription;
  density: number;
  friction: number;
}

export interface BodyDescription {
  name: string;
  /** Body origin in the robot frame at rest. Shapes are given relative to it. */
  position: Vec3;
  geoms: GeomDescription[];
}

export interface JointDescription {
  name: string;
  parent: number;
  child: number;
  /** Joint anchor in the robot frame at rest. */
  anchor: Vec3;
  /** Rotation axis in the robot frame (unit). Positive angle follows the right-hand rule. */
  axis: Vec3;
  /** [lo, hi] in radians, relative to rest. */
  limits: [number, number];
  /** PD motor: stiffness (N·m/rad), damping (N·m·s/rad), torque limit (N·m). */
  kp: number;
  kd: number;
  maxTorque: number;
}

export interface FootDescription {
  body: number;
  /** Foot point in the body frame (the centre of the lower leg's end cap). */
  point: Vec3;
  /** Radius of the end cap (the foot touches the ground `radius` below `point`). */
  radius: number;
}

export interface LegDescription {
  name: string;
  joints: number[];
  foot: number;
}

export interface RobotDescription {
  name: string;
  bodies: BodyDescription[];
  joints: JointDescription[];
  feet: FootDescription[];
  legs: LegDescription[];
  /** Torso origin height above the ground at spawn (feet just touching). */
  spawnHeight: number;
}

/** Structural checks: indices in range, tree topology (each child has one parent, parents first). */
export function validateRobot(robot: RobotDescription): void {
  const nb = robot.bodies.length;
  if (nb === 0) throw new SpikelocoError("a robot needs at least one body", "robot.bodies");
  const hasParent = new Array<boolean>(nb).fill(false);
  robot.joints.forEach((j, i) => {
    const path = `robot.joints[${i}]`;
    if (!(j.parent >= 0 && j.parent < nb)) throw new SpikelocoError(`parent index ${j.parent} out of range`, path);
    if (!(j.child > 0 && j.child < nb)) throw new SpikelocoError(`child index ${j.child} out of range`, path);
    if (j.parent >= j.child) throw new SpikelocoError("parents must come before children", path);
    if (hasParent[j.child]) throw new SpikelocoError(`body ${j.child} has two parent joints`, path);
    hasParent[j.child] = true;
    if (!(j.limits[0] < j.limits[1])) throw new SpikelocoError("limits must satisfy lo < hi", `${path}.limits`);
    if (!(j.kp >= 0 && j.kd >= 0 && j.maxTorque > 0)) throw new SpikelocoError("gains must be >= 0 and maxTorque > 0", path);
  });
  for (let b = 1; b < nb; b++) if (!hasParent[b]) throw new SpikelocoError(`body ${b} is not attached by a joint`, "robot.bodies");
  robot.feet.forEach((f, i) => {
    if (!(f.body >= 0 && f.body < nb)) throw new SpikelocoError(`body index ${f.body} out of range`, `robot.feet[${i}]`);
  });
  robot.legs.forEach((leg, i) => {
    if (!(leg.foot >= 0 && leg.foot < robot.feet.length)) throw new SpikelocoError(`foot index out of range`, `robot.legs[${i}]`);
    for (const j of leg.joints) if (!(j >= 0 && j < robot.joints.length)) throw new SpikelocoError(`joint index ${j} out of range`, `robot.legs[${i}]`);
  });
}

/** Total mass implied by shapes and densities (capsule = cylinder + sphere). */
export function robotMass(robot: RobotDescription): number {
  let m = 0;
  for (const b of robot.bodies) for (const g of b.geoms) m += g.density * shapeVolume(g.shape);
  return m;
}

export function shapeVolume(s: ShapeDescription): number {
  switch (s.kind) {
    case "sphere":
      return (4 / 3) * Math.PI * s.radius ** 3;
    case "box":
      return 8 * s.halfExtents[0] * s.halfExtents[1] * s.halfExtents[2];
    case "capsule": {
      const len = Math.hypot(s.to[0] - s.from[0], s.to[1] - s.from[1], s.to[2] - s.from[2]);
      return Math.PI * s.radius ** 2 * len + (4 / 3) * Math.PI * s.radius ** 3;
    }
  }
}
