/**
 * Builds a RobotDescription into a Rapier world: dynamic bodies (no sleeping), colliders in the robot
 * collision group, revolute impulse joints with explicit limits (JointData limits are ignored for
 * revolute joints in rapier.js) and ForceBased position motors (AccelerationBased sags on light links).
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Collider, Rapier, RevoluteImpulseJoint, RigidBody, World } from "./rapier.ts";
import { ROBOT_GROUPS } from "./rapier.ts";
import type { Quat, Vec3 } from "./math.ts";
import { quatFromAxisAngle, quatFromYTo, quatMul, rotateVec } from "./math.ts";
import type { BodyDescription, RobotDescription, ShapeDescription } from "./robot.ts";
import { principalInertia } from "./robot.ts";

/** A revolute or prismatic joint: both have one axis with limits and a position motor. */
export type UnitJoint = RevoluteImpulseJoint | InstanceType<Rapier["PrismaticImpulseJoint"]>;

export interface BuildOptions {
  /** Multiplies every density (mass scale). */
  massScale?: number;
  /** Multiplies every friction coefficient. */
  frictionScale?: number;
}

export interface BuiltRobot {
  desc: RobotDescription;
  bodies: RigidBody[];
  joints: UnitJoint[];
  /** Colliders per body, in geom order. */
  colliders: Collider[][];
  /** One collider per foot: the foot body's last geom (the lower-leg capsule). */
  footColliders: Collider[];
}

export interface BodyPose {
  position: Vec3[];
  rotation: Quat[];
}

/**
 * Forward kinematics at rest-relative joint angles: body b hanging off joint j rotates about the
 * joint anchor by angle[j] around the joint axis, composed down the tree (parents come first).
 */
export function forwardKinematics(robot: RobotDescription, rootPosition: Vec3, rootRotation: Quat, angles: ArrayLike<number>): BodyPose {
  const n = robot.bodies.length;
  const position: Vec3[] = new Array(n);
  const rotation: Quat[] = new Array(n);
  position[0] = [...rootPosition];
  rotation[0] = [...rootRotation];
  const restOf = (b: number): Vec3 => robot.bodies[b]!.position;
  robot.joints.forEach((j, ji) => {
    const p = j.parent;
    const c = j.child;
    const qp = rotation[p]!;
    const pa = restOf(p);
    if (j.type === "prismatic") {
      const d = angles[ji] ?? 0;
      const off = sub(restOf(c), pa);
      position[c] = add(position[p]!, rotateVec(qp, [off[0] + j.axis[0] * d, off[1] + j.axis[1] * d, off[2] + j.axis[2] * d]));
      rotation[c] = [...qp];
      return;
    }
    const qc = quatMul(qp, quatFromAxisAngle(j.axis, angles[ji] ?? 0));
    const anchorWorld = add(position[p]!, rotateVec(qp, sub(j.anchor, pa)));
    position[c] = add(anchorWorld, rotateVec(qc, sub(restOf(c), j.anchor)));
    rotation[c] = qc;
  });
  return { position, rotation };
}

export function buildRobot(R: Rapier, world: World, robot: RobotDescription, pose: BodyPose, options: BuildOptions = {}): BuiltRobot {
  const massScale = options.massScale ?? 1;
  const frictionScale = options.frictionScale ?? 1;
  const bodies: RigidBody[] = [];
  const colliders: Collider[][] = [];
  robot.bodies.forEach((b, bi) => {
    const [x, y, z] = pose.position[bi]!;
    const [qx, qy, qz, qw] = pose.rotation[bi]!;
    const body = world.createRigidBody(
      R.RigidBodyDesc.dynamic().setTranslation(x, y, z).setRotation({ x: qx, y: qy, z: qz, w: qw }).setCanSleep(false),
    );
    bodies.push(body);
    colliders.push(
      b.geoms.map((g) => {
        const desc = colliderDesc(R, g.shape)
          .setDensity(g.density * massScale)
          .setFriction(g.friction * frictionScale)
          .setCollisionGroups(ROBOT_GROUPS);
        return world.createCollider(desc, body);
      }),
    );
    if (b.inertial) applyInertial(body, b, massScale);
  });
  const joints = robot.joints.map((j) => {
    const pa = robot.bodies[j.parent]!.position;
    const ca = robot.bodies[j.child]!.position;
    const data =
      j.type === "prismatic"
        ? R.JointData.prismatic(vec(sub(j.anchor, pa)), vec(sub(j.anchor, ca)), vec(j.axis))
        : R.JointData.revolute(vec(sub(j.anchor, pa)), vec(sub(j.anchor, ca)), vec(j.axis));
    const joint = world.createImpulseJoint(data, bodies[j.parent]!, bodies[j.child]!, true) as UnitJoint;
    joint.setContactsEnabled(false);
    joint.setLimits(j.limits[0], j.limits[1]);
    joint.configureMotorModel(R.MotorModel.ForceBased);
    joint.configureMotorPosition(0, j.kp, j.kd);
    joint.setMotorMaxForce(j.maxTorque);
    return joint;
  });
  const footColliders = robot.feet.map((f) => {
    const cs = colliders[f.body]!;
    return cs[cs.length - 1]!;
  });
  return { desc: robot, bodies, joints, colliders, footColliders };
}

/**
 * Explicit mass properties of an imported body (its geoms have density 0), scaled by `massScale`;
 * the env calls it again when a mass condition changes the scale.
 */
export function applyInertial(body: RigidBody, b: BodyDescription, massScale: number): void {
  const inertial = b.inertial!;
  const { moments, frame } = principalInertia(inertial.inertia);
  body.setAdditionalMassProperties(
    inertial.mass * massScale,
    vec(inertial.com),
    vec([moments[0] * massScale, moments[1] * massScale, moments[2] * massScale]),
    { x: frame[0], y: frame[1], z: frame[2], w: frame[3] },
    true,
  );
  // Rapier applies the new mass properties at the next step otherwise
  body.recomputeMassPropertiesFromColliders();
}

function colliderDesc(R: Rapier, s: ShapeDescription) {
  switch (s.kind) {
    case "sphere":
      return R.ColliderDesc.ball(s.radius).setTranslation(...s.center);
    case "box":
      return R.ColliderDesc.cuboid(...s.halfExtents).setTranslation(...s.center);
    case "capsule": {
      const d = sub(s.to, s.from);
      const half = Math.hypot(d[0], d[1], d[2]) / 2;
      const mid: Vec3 = [(s.to[0] + s.from[0]) / 2, (s.to[1] + s.from[1]) / 2, (s.to[2] + s.from[2]) / 2];
      const [x, y, z, w] = quatFromYTo(d);
      return R.ColliderDesc.capsule(half, s.radius).setTranslation(...mid).setRotation({ x, y, z, w });
    }
    case "cylinder": {
      const d = sub(s.to, s.from);
      const half = Math.hypot(d[0], d[1], d[2]) / 2;
      const mid: Vec3 = [(s.to[0] + s.from[0]) / 2, (s.to[1] + s.from[1]) / 2, (s.to[2] + s.from[2]) / 2];
      const [x, y, z, w] = quatFromYTo(d);
      return R.ColliderDesc.cylinder(half, s.radius).setTranslation(...mid).setRotation({ x, y, z, w });
    }
    case "convex": {
      const desc = R.ColliderDesc.convexHull(Float32Array.from(s.points.flat()));
      if (!desc) throw new SpikelocoError(`the convex hull of ${s.points.length} points is degenerate (flat or fewer than 4 distinct points)`, "robot.geoms");
      return desc;
    }
  }
}

function vec(v: Vec3): { x: number; y: number; z: number } {
  return { x: v[0], y: v[1], z: v[2] };
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
