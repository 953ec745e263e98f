/**
 * Helpers that generate leg geometry for robot descriptions: a hip (yaw about z) carrying a
 * horizontal thigh, and a knee/ankle (pitch about the horizontal axis across the leg) carrying a
 * shin bent down by `bendDeg` at rest. Positive knee angle lifts the foot.
 */
import type { Vec3 } from "../src/physics/math.ts";
import type { BodyDescription, FootDescription, JointDescription, LegDescription } from "../src/physics/robot.ts";

export interface LegSpec {
  name: string;
  /** Hip anchor in the robot frame. */
  hip: Vec3;
  /** Horizontal direction of the leg (unit, z = 0). */
  dir: [number, number];
  thighLength: number;
  shinLength: number;
  radius: number;
  bendDeg: number;
  density: number;
  friction: number;
  hipLimit: number;
  kneeLimit: number;
  kp: number;
  kd: number;
  maxTorque: number;
}

export function addLeg(bodies: BodyDescription[], joints: JointDescription[], feet: FootDescription[], legs: LegDescription[], l: LegSpec): void {
  const [dx, dy] = l.dir;
  const knee: Vec3 = [l.hip[0] + dx * l.thighLength, l.hip[1] + dy * l.thighLength, l.hip[2]];
  const b = (l.bendDeg * Math.PI) / 180;
  const tip: Vec3 = [Math.cos(b) * dx * l.shinLength, Math.cos(b) * dy * l.shinLength, -Math.sin(b) * l.shinLength];
  const thigh = bodies.length;
  bodies.push({
    name: `thigh_${l.name}`,
    position: l.hip,
    geoms: [{ shape: { kind: "capsule", radius: l.radius, from: [0, 0, 0], to: [dx * l.thighLength, dy * l.thighLength, 0] }, density: l.density, friction: l.friction }],
  });
  const shin = bodies.length;
  bodies.push({
    name: `shin_${l.name}`,
    position: knee,
    geoms: [{ shape: { kind: "capsule", radius: l.radius, from: [0, 0, 0], to: tip }, density: l.density, friction: l.friction }],
  });
  const hipJoint = joints.length;
  joints.push({ name: `hip_${l.name}`, parent: 0, child: thigh, anchor: l.hip, axis: [0, 0, 1], limits: [-l.hipLimit, l.hipLimit], kp: l.kp, kd: l.kd, maxTorque: l.maxTorque });
  // axis = dir x z, so a positive angle rotates the shin towards +z (lifts the foot)
  joints.push({ name: `knee_${l.name}`, parent: thigh, child: shin, anchor: knee, axis: [dy, -dx, 0], limits: [-l.kneeLimit, l.kneeLimit], kp: l.kp, kd: l.kd, maxTorque: l.maxTorque });
  feet.push({ body: shin, point: tip, radius: l.radius });
  legs.push({ name: l.name, joints: [hipJoint, hipJoint + 1], foot: feet.length - 1 });
}

/** Height of the torso origin above the ground when all knees are at rest (feet touching). */
export function restHeight(l: Pick<LegSpec, "hip" | "shinLength" | "bendDeg" | "radius">): number {
  return -l.hip[2] + Math.sin((l.bendDeg * Math.PI) / 180) * l.shinLength + l.radius;
}
