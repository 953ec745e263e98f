/**
 * Declarative robot description: bodies with shapes, sizes and densities (or explicit inertials, for
 * imported robots); revolute or prismatic joints with axis, limits and PD motor gains; legs grouping joints
 * and a foot. Robots are data, built by builder.ts; src/physics/import reads them from URDF and MJCF.
 *
 * Conventions: z up, x forward. Every body's rest rotation is the identity (bends are baked into the
 * geometry), so a joint angle of 0 is the rest pose and Rapier's revolute angle equals ours.
 * Positions are in the robot frame at rest (torso origin at 0,0,0); the builder lifts the robot by
 * `spawnHeight`.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Quat, Vec3 } from "./math.ts";

export type ShapeDescription =
  | { kind: "sphere"; radius: number; center: Vec3 }
  | { kind: "capsule"; radius: number; from: Vec3; to: Vec3 }
  | { kind: "box"; halfExtents: Vec3; center: Vec3 }
  /** Solid cylinder between the centres of its end faces. */
  | { kind: "cylinder"; radius: number; from: Vec3; to: Vec3 }
  /** Convex hull of points in the body frame (imported meshes, rotated boxes, ellipsoids); massless: its body needs `inertial`. */
  | { kind: "convex"; points: Vec3[] };

/** Explicit mass properties (imported robots); the body's geoms then carry density 0. */
export interface InertialDescription {
  mass: number;
  /** Centre of mass in the body frame. */
  com: Vec3;
  /** Inertia tensor about the centre of mass in robot axes: ixx, iyy, izz, ixy, ixz, iyz. */
  inertia: [number, number, number, number, number, number];
}

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
  /** Explicit mass, centre of mass and inertia (imported robots); absent = from geom densities. */
  inertial?: InertialDescription;
}

export interface JointDescription {
  name: string;
  /** Absent = revolute (angles in rad, torques in N·m); prismatic: displacement along `axis` (m, N/m, N). */
  type?: "prismatic";
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
  /** Velocity limit from the robot file (rad/s or m/s), kept for reference; the motors do not enforce it. */
  maxVelocity?: number;
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
  robot.bodies.forEach((b, bi) => {
    const path = `robot.bodies[${bi}]`;
    if (b.inertial) {
      const { mass, com, inertia } = b.inertial;
      if (!(mass > 0)) throw new SpikelocoError(`mass must be > 0, got ${mass}`, `${path}.inertial.mass`);
      if (![...com, ...inertia].every(Number.isFinite)) throw new SpikelocoError("must be finite numbers", `${path}.inertial`);
      const { moments } = principalInertia(inertia);
      if (!moments.every((m) => m > 0)) throw new SpikelocoError(`inertia must be positive definite (principal moments ${moments.map((m) => m.toPrecision(3)).join(", ")})`, `${path}.inertial.inertia`);
    }
    b.geoms.forEach((g, gi) => {
      if (g.shape.kind === "convex" && (g.density !== 0 || !b.inertial)) {
        throw new SpikelocoError("convex geoms carry no density: give them density 0 and the body an inertial", `${path}.geoms[${gi}]`);
      }
    });
  });
  robot.feet.forEach((f, i) => {
    if (!(f.body >= 0 && f.body < nb)) throw new SpikelocoError(`body index ${f.body} out of range`, `robot.feet[${i}]`);
  });
  robot.legs.forEach((leg, i) => {
    if (!(leg.foot >= 0 && leg.foot < robot.feet.length)) throw new SpikelocoError(`foot index out of range`, `robot.legs[${i}]`);
    for (const j of leg.joints) if (!(j >= 0 && j < robot.joints.length)) throw new SpikelocoError(`joint index ${j} out of range`, `robot.legs[${i}]`);
  });
}

/** Total mass: explicit inertials, else shapes and densities (capsule = cylinder + sphere). */
export function robotMass(robot: RobotDescription): number {
  let m = 0;
  for (const b of robot.bodies) {
    if (b.inertial) m += b.inertial.mass;
    for (const g of b.geoms) m += g.density * shapeVolume(g.shape);
  }
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
    case "cylinder":
      return Math.PI * s.radius ** 2 * Math.hypot(s.to[0] - s.from[0], s.to[1] - s.from[1], s.to[2] - s.from[2]);
    case "convex":
      return 0; // massless by construction (validateRobot)
  }
}

/**
 * Principal moments and the rotation whose columns are the principal axes (Jacobi eigenvalue
 * iteration on the symmetric 3x3 tensor), as Rapier's mass properties want them.
 */
export function principalInertia(t: InertialDescription["inertia"]): { moments: Vec3; frame: Quat } {
  const a = [
    [t[0], t[3], t[4]],
    [t[3], t[1], t[5]],
    [t[4], t[5], t[2]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[0]![1]!) + Math.abs(a[0]![2]!) + Math.abs(a[1]![2]!);
    if (off <= 1e-15 * (Math.abs(a[0]![0]!) + Math.abs(a[1]![1]!) + Math.abs(a[2]![2]!))) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      if (a[p]![q] === 0) continue;
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
      const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(tt * tt + 1);
      const sn = tt * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k]![p]!, akq = a[k]![q]!;
        a[k]![p] = c * akp - sn * akq;
        a[k]![q] = sn * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p]![k]!, aqk = a[q]![k]!;
        a[p]![k] = c * apk - sn * aqk;
        a[q]![k] = sn * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k]![p]!, vkq = v[k]![q]!;
        v[k]![p] = c * vkp - sn * vkq;
        v[k]![q] = sn * vkp + c * vkq;
      }
    }
  }
  // make the axes a right-handed rotation
  const det =
    v[0]![0]! * (v[1]![1]! * v[2]![2]! - v[1]![2]! * v[2]![1]!) - v[0]![1]! * (v[1]![0]! * v[2]![2]! - v[1]![2]! * v[2]![0]!) + v[0]![2]! * (v[1]![0]! * v[2]![1]! - v[1]![1]! * v[2]![0]!);
  if (det < 0) for (let k = 0; k < 3; k++) v[k]![2] = -v[k]![2]!;
  return { moments: [a[0]![0]!, a[1]![1]!, a[2]![2]!], frame: quatFromMatrix(v) };
}

/** Quaternion (x, y, z, w) of a rotation matrix given as rows. */
export function quatFromMatrix(m: number[][]): Quat {
  const tr = m[0]![0]! + m[1]![1]! + m[2]![2]!;
  let x: number, y: number, z: number, w: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m[2]![1]! - m[1]![2]!) / s;
    y = (m[0]![2]! - m[2]![0]!) / s;
    z = (m[1]![0]! - m[0]![1]!) / s;
  } else if (m[0]![0]! > m[1]![1]! && m[0]![0]! > m[2]![2]!) {
    const s = Math.sqrt(1 + m[0]![0]! - m[1]![1]! - m[2]![2]!) * 2;
    w = (m[2]![1]! - m[1]![2]!) / s;
    x = 0.25 * s;
    y = (m[0]![1]! + m[1]![0]!) / s;
    z = (m[0]![2]! + m[2]![0]!) / s;
  } else if (m[1]![1]! > m[2]![2]!) {
    const s = Math.sqrt(1 + m[1]![1]! - m[0]![0]! - m[2]![2]!) * 2;
    w = (m[0]![2]! - m[2]![0]!) / s;
    x = (m[0]![1]! + m[1]![0]!) / s;
    y = 0.25 * s;
    z = (m[1]![2]! + m[2]![1]!) / s;
  } else {
    const s = Math.sqrt(1 + m[2]![2]! - m[0]![0]! - m[1]![1]!) * 2;
    w = (m[1]![0]! - m[0]![1]!) / s;
    x = (m[0]![2]! + m[2]![0]!) / s;
    y = (m[1]![2]! + m[2]![1]!) / s;
    z = 0.25 * s;
  }
  const n = Math.hypot(x, y, z, w);
  return [x / n, y / n, z / n, w / n];
}
