/**
 * The observation, declared once as data: OBSERVATION_GROUPS lists the channel groups in order, each with its
 * channel names, bounds and meaning. The observation space, the group table (obs noise picks groups by name),
 * the sizes in listEnvs() and the docs table derive from it; `Observer` fills the vector in that layout
 * from reused buffers on every step.
 */
import { inverseRotateInto, rotateInto } from "../physics/math.ts";
import type { Rapier, RigidBody } from "../physics/rapier.ts";
import type { RobotDescription } from "../physics/robot.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import { terrainHeightAt } from "../physics/terrain.ts";
import { CONTACT_DISTANCE, MANIFOLD_CONTACT_DISTANCE } from "./contacts.ts";
import type { BoxSpace } from "./types.ts";

/** The options the layout depends on. */
export interface ObservationOptions {
  clockHz: number;
}

export interface ObservationGroupSpec {
  name: string;
  channels(robot: RobotDescription, o: ObservationOptions): string[];
  bounds: readonly [number, number];
  /** Meaning of the group's channels (docs table). */
  doc(robot: RobotDescription): string;
  /** Left out when it has no channels (the clock when clockHz is 0); other groups are always listed. */
  optional?: boolean;
}

const FREE = [-Infinity, Infinity] as const;
const XYZ = ["x", "y", "z"];

const hasPrismatic = (r: RobotDescription): boolean => r.joints.some((j) => j.type === "prismatic");

/** Name of the contact channel of foot f: the leg it ends. */
function footName(robot: RobotDescription, f: number): string {
  return robot.legs.find((leg) => leg.foot === f)?.name ?? `foot_${f}`;
}

export const OBSERVATION_GROUPS: readonly ObservationGroupSpec[] = [
  { name: "height", channels: () => ["torso_height"], bounds: FREE, doc: () => "torso_height: torso z above the nominal ground under it (m)" },
  { name: "orientation", channels: () => ["w", ...XYZ].map((c) => `torso_quat_${c}`), bounds: FREE, doc: () => "torso_quat_w, _x, _y, _z (world frame)" },
  { name: "linvel", channels: () => XYZ.map((c) => `torso_linvel_${c}`), bounds: FREE, doc: () => "torso linear velocity in the torso frame (m/s)" },
  { name: "angvel", channels: () => XYZ.map((c) => `torso_angvel_${c}`), bounds: FREE, doc: () => "torso angular velocity in the torso frame (rad/s)" },
  {
    name: "jointPos",
    channels: (r) => r.joints.map((j) => `joint_pos:${j.name}`),
    bounds: FREE,
    doc: (r) => (hasPrismatic(r) ? "joint positions relative to rest (rad; m for prismatic joints), action order" : "joint angles relative to rest (rad), action order"),
  },
  {
    name: "jointVel",
    channels: (r) => r.joints.map((j) => `joint_vel:${j.name}`),
    bounds: FREE,
    doc: (r) => (hasPrismatic(r) ? "joint velocities (rad/s; m/s for prismatic joints), action order" : "joint velocities (rad/s), action order"),
  },
  {
    name: "contacts",
    channels: (r) => r.feet.map((_, f) => `foot_contact:${footName(r, f)}`),
    bounds: [0, 1],
    doc: (r) =>
      `foot contact flags (0/1; on flat/rough/slope: the foot's end cap within ${CONTACT_DISTANCE * 1000} mm of the surface; ` +
      `on stairs/gaps, or with the contact cost on: a Rapier contact point within ${MANIFOLD_CONTACT_DISTANCE * 1000} mm), ` +
      `foot order ${r.feet.map((_, f) => footName(r, f)).join(", ")}`,
  },
  {
    name: "clock",
    channels: (_, o) => (o.clockHz > 0 ? ["clock_sin", "clock_cos"] : []),
    bounds: [-1, 1],
    doc: () => "only with clockHz > 0: clock_sin, clock_cos = sin, cos(2π·clockHz·t), t from the episode start (a rhythm a controller can time a gait by)",
    optional: true,
  },
];

export interface ObservationLayout {
  size: number;
  names: string[];
  /** Group name -> its channel indices, in layout order. */
  groups: Record<string, number[]>;
  low: Float32Array;
  high: Float32Array;
}

export function observationLayout(robot: RobotDescription, options: ObservationOptions): ObservationLayout {
  const names: string[] = [];
  const groups: Record<string, number[]> = {};
  const bounds: Array<readonly [number, number]> = [];
  for (const g of OBSERVATION_GROUPS) {
    const channels = g.channels(robot, options);
    if (channels.length === 0 && g.optional) continue;
    groups[g.name] = channels.map((_, i) => names.length + i);
    for (const c of channels) {
      names.push(c);
      bounds.push(g.bounds);
    }
  }
  return { size: names.length, names, groups, low: Float32Array.from(bounds, (b) => b[0]), high: Float32Array.from(bounds, (b) => b[1]) };
}

export function observationSpace(layout: ObservationLayout): BoxSpace {
  return { shape: [layout.size], low: layout.low.slice(), high: layout.high.slice(), names: [...layout.names] };
}

/** Writes observations in the layout; also holds the per-body state the step reads once (rotations, spins). */
export class Observer {
  /** Per body: rotation qx, qy, qz, qw (world frame). */
  readonly rot: Float64Array;
  /** Per body: angular velocity wx, wy, wz (world frame). */
  readonly angvel: Float64Array;
  /** Joint positions and velocities of the physics state as last written (before observation noise). */
  readonly jointPos: Float64Array;
  readonly jointVel: Float64Array;
  private readonly robot: RobotDescription;
  /** First channel of each group (clock: -1 when the layout has none). */
  private readonly first: { height: number; orientation: number; linvel: number; angvel: number; jointPos: number; jointVel: number; contacts: number; clock: number };
  private readonly clockHz: number;
  private readonly controlDt: number;
  private readonly tmp3 = new Float64Array(3);
  private readonly tmpQuat: { x: number; y: number; z: number; w: number };
  private readonly tmpVec: { x: number; y: number; z: number };

  constructor(R: Rapier, robot: RobotDescription, layout: ObservationLayout, clock: { clockHz: number; controlDt: number }) {
    this.robot = robot;
    const at = (g: string): number => layout.groups[g]?.[0] ?? -1;
    this.first = { height: at("height"), orientation: at("orientation"), linvel: at("linvel"), angvel: at("angvel"), jointPos: at("jointPos"), jointVel: at("jointVel"), contacts: at("contacts"), clock: at("clock") };
    this.clockHz = clock.clockHz;
    this.controlDt = clock.controlDt;
    this.rot = new Float64Array(robot.bodies.length * 4);
    this.angvel = new Float64Array(robot.bodies.length * 3);
    this.jointPos = new Float64Array(robot.joints.length);
    this.jointVel = new Float64Array(robot.joints.length);
    this.tmpQuat = new R.Quaternion(0, 0, 0, 1);
    this.tmpVec = new R.Vector3(0, 0, 0);
  }

  readBodies(bodies: RigidBody[]): void {
    const rot = this.rot;
    const av = this.angvel;
    const q = this.tmpQuat;
    const v = this.tmpVec;
    for (let b = 0; b < bodies.length; b++) {
      bodies[b]!.rotation(q as never);
      rot[b * 4] = q.x;
      rot[b * 4 + 1] = q.y;
      rot[b * 4 + 2] = q.z;
      rot[b * 4 + 3] = q.w;
      bodies[b]!.angvel(v as never);
      av[b * 3] = v.x;
      av[b * 3 + 1] = v.y;
      av[b * 3 + 2] = v.z;
    }
  }

  /** Fills `o` (after readBodies); returns the torso height above the nominal ground. */
  write(o: Float32Array, bodies: RigidBody[], terrain: TerrainDescription, contacts: Uint8Array, stepCount: number): number {
    const torso = bodies[0]!;
    const first = this.first;
    const pos = torso.translation(this.tmpVec as never);
    const height = pos.z - terrainHeightAt(terrain, pos.x, pos.y);
    const rot = this.rot;
    const av = this.angvel;
    const qx = rot[0]!, qy = rot[1]!, qz = rot[2]!, qw = rot[3]!;
    o[first.height] = height;
    let k = first.orientation;
    o[k] = qw;
    o[k + 1] = qx;
    o[k + 2] = qy;
    o[k + 3] = qz;
    const t = this.tmp3;
    const lv = torso.linvel(this.tmpVec as never);
    inverseRotateInto(qx, qy, qz, qw, lv.x, lv.y, lv.z, t);
    k = first.linvel;
    o[k] = t[0]!;
    o[k + 1] = t[1]!;
    o[k + 2] = t[2]!;
    inverseRotateInto(qx, qy, qz, qw, av[0]!, av[1]!, av[2]!, t);
    k = first.angvel;
    o[k] = t[0]!;
    o[k + 1] = t[1]!;
    o[k + 2] = t[2]!;
    const joints = this.robot.joints;
    const jp = first.jointPos;
    const jv = first.jointVel;
    for (let j = 0; j < joints.length; j++) {
      const jd = joints[j]!;
      if (jd.type === "prismatic") {
        this.prismatic(o, bodies, j, jp + j, jv + j);
        this.jointPos[j] = o[jp + j]!;
        this.jointVel[j] = o[jv + j]!;
        continue;
      }
      const p = jd.parent * 4;
      const c = jd.child * 4;
      // relative rotation conj(qp) * qc; with identity rest rotations it is a pure rotation about the axis
      const ax = rot[p]!, ay = rot[p + 1]!, az = rot[p + 2]!, aw = rot[p + 3]!;
      const bx = rot[c]!, by = rot[c + 1]!, bz = rot[c + 2]!, bw = rot[c + 3]!;
      const rw = aw * bw + ax * bx + ay * by + az * bz;
      const rx = aw * bx - ax * bw - ay * bz + az * by;
      const ry = aw * by + ax * bz - ay * bw - az * bx;
      const rz = aw * bz - ax * by + ay * bx - az * bw;
      const axis = jd.axis;
      let angle = 2 * Math.atan2(rx * axis[0] + ry * axis[1] + rz * axis[2], rw);
      if (angle > Math.PI) angle -= 2 * Math.PI;
      else if (angle <= -Math.PI) angle += 2 * Math.PI;
      o[jp + j] = angle;
      this.jointPos[j] = angle;
      // relative angular velocity projected on the world-frame axis
      rotateInto(ax, ay, az, aw, axis[0], axis[1], axis[2], t);
      const pv = jd.parent * 3;
      const cv = jd.child * 3;
      const vel = (av[cv]! - av[pv]!) * t[0]! + (av[cv + 1]! - av[pv + 1]!) * t[1]! + (av[cv + 2]! - av[pv + 2]!) * t[2]!;
      o[jv + j] = vel;
      this.jointVel[j] = vel;
    }
    k = first.contacts;
    for (let f = 0; f < contacts.length; f++) o[k + f] = contacts[f]!;
    if (this.clockHz > 0) {
      const phase = 2 * Math.PI * this.clockHz * stepCount * this.controlDt;
      o[first.clock] = Math.sin(phase);
      o[first.clock + 1] = Math.cos(phase);
    }
    return height;
  }

  /** Prismatic joint j: displacement along the axis (parent frame, from rest) into o[pos] and its rate into o[vel]. */
  private prismatic(o: Float32Array, bodies: RigidBody[], j: number, pos: number, vel: number): void {
    const jd = this.robot.joints[j]!;
    const rot = this.rot;
    const av = this.angvel;
    const t = this.tmp3;
    const p = jd.parent, c = jd.child;
    const pp = bodies[p]!.translation(this.tmpVec as never);
    const ppx = pp.x, ppy = pp.y, ppz = pp.z;
    const pc = bodies[c]!.translation(this.tmpVec as never);
    const dx = pc.x - ppx, dy = pc.y - ppy, dz = pc.z - ppz;
    const qx = rot[p * 4]!, qy = rot[p * 4 + 1]!, qz = rot[p * 4 + 2]!, qw = rot[p * 4 + 3]!;
    inverseRotateInto(qx, qy, qz, qw, dx, dy, dz, t);
    const rp = this.robot.bodies[p]!.position, rc = this.robot.bodies[c]!.position;
    const a = jd.axis;
    o[pos] = (t[0]! - (rc[0] - rp[0])) * a[0] + (t[1]! - (rc[1] - rp[1])) * a[1] + (t[2]! - (rc[2] - rp[2])) * a[2];
    // rate: (v_c - v_p - w_p x d) . axis_world
    const vp = bodies[p]!.linvel(this.tmpVec as never);
    const vpx = vp.x, vpy = vp.y, vpz = vp.z;
    const vc = bodies[c]!.linvel(this.tmpVec as never);
    const wx = av[p * 3]!, wy = av[p * 3 + 1]!, wz = av[p * 3 + 2]!;
    const rx = vc.x - vpx - (wy * dz - wz * dy);
    const ry = vc.y - vpy - (wz * dx - wx * dz);
    const rz = vc.z - vpz - (wx * dy - wy * dx);
    rotateInto(qx, qy, qz, qw, a[0], a[1], a[2], t);
    o[vel] = rx * t[0]! + ry * t[1]! + rz * t[2]!;
  }

  /** False when the body state or the observation holds a NaN or an infinity. */
  finite(o: Float32Array): boolean {
    for (let i = 0; i < this.rot.length; i++) if (!Number.isFinite(this.rot[i])) return false;
    for (let i = 0; i < this.angvel.length; i++) if (!Number.isFinite(this.angvel[i])) return false;
    for (let i = 0; i < o.length; i++) if (!Number.isFinite(o[i])) return false;
    return true;
  }
}
