/**
 * Turns a parsed kinematic tree (links with world rest poses, joints with world anchors and axes) into a
 * RobotDescription: fixed joints merged, geometry baked into world-aligned body frames (rest rotations are
 * the identity), explicit inertials combined, PD gains defaulted from limits, feet found or named, legs and
 * rest height derived. Shared by the URDF and MJCF importers.
 */
import { SpikelocoError } from "../../core/errors.ts";
import type { Quat, Vec3 } from "../math.ts";
import { normalize3, quatMul, rotateVec } from "../math.ts";
import type { BodyDescription, FootDescription, GeomDescription, JointDescription, LegDescription, RobotDescription, ShapeDescription } from "../robot.ts";
import { robotMass, validateRobot } from "../robot.ts";
import type { Mat3, MassProps } from "./inertia.ts";
import { axialTensor, boxInertia, capsuleInertia, combine, cylinderInertia, diag, ellipsoidInertia, rotateTensor, sphereInertia, toInertial } from "./inertia.ts";

export interface Pose {
  p: Vec3;
  q: Quat;
}

/** Shapes in the link frame. */
export type LocalShape =
  | { kind: "sphere"; center: Vec3; radius: number }
  | { kind: "capsule" | "cylinder"; from: Vec3; to: Vec3; radius: number }
  | { kind: "box"; center: Vec3; rotation: Quat; halfExtents: Vec3 }
  | { kind: "ellipsoid"; center: Vec3; rotation: Quat; radii: Vec3 }
  /** Convex hull of a mesh's vertices; `props` are the mesh's own mass properties at density 1 (link frame). */
  | { kind: "mesh"; points: Vec3[]; props: MassProps };

export interface RawGeom {
  shape: LocalShape;
  friction: number;
  /** kg/m³ (MJCF); undefined = massless collider (URDF, whose mass is in <inertial>). */
  density: number | undefined;
  where: string;
}

export interface RawLink {
  name: string;
  where: string;
  /** World pose at rest (all joints at 0). */
  pose: Pose;
  geoms: RawGeom[];
  /** Explicit mass properties in the link frame. */
  inertial?: MassProps | undefined;
}

export interface RawJoint {
  name: string;
  where: string;
  type: "revolute" | "prismatic" | "fixed";
  parent: number;
  child: number;
  /** World anchor and axis at rest. */
  anchor: Vec3;
  axis: Vec3;
  /** Absent for continuous / unlimited joints. */
  limits?: [number, number] | undefined;
  effort?: number | undefined;
  velocity?: number | undefined;
  damping?: number | undefined;
  /** Added to the child body's inertia (kg·m², isotropic). */
  armature?: number;
  /** From the file: position-actuator gains (MJCF). */
  kp?: number;
  kd?: number;
  actuated: boolean;
}

export interface Gains {
  kp?: number | undefined;
  kd?: number | undefined;
  maxTorque?: number | undefined;
}

/** Options shared by importUrdf and importMjcf. */
export interface ImportOptions {
  /** Robot name (default: the file's). */
  name?: string | undefined;
  /** How errors name the input (a file path). */
  source?: string | undefined;
  /** Foot link/body names (default: leaf links touching the ground at rest). */
  feet?: string[] | undefined;
  /** Actuated joint names (default: <transmission>s / <actuator>s in the file, else every moving joint). */
  actuated?: string[] | undefined;
  /** PD gains and torque limit for every actuated joint, overriding the file and the defaults. */
  gains?: Gains | undefined;
  /** Reads a mesh file named in the robot file (URDF filename / MJCF file); undefined = not found. */
  readFile?: (path: string) => Uint8Array | undefined;
  /** "bounds": a mesh whose file is missing becomes its link's inertia-equivalent box (with a warning). */
  meshFallback?: "bounds";
  /**
   * Rotor inertia stand-in (kg·m², added to every moving body's inertia about each axis), as MuJoCo's joint
   * armature: light links with tiny inertias (hips, coxae) leave Rapier's 4-iteration solver unconverged and
   * the joints creep. Default: URDF 0.001 kg·m² per kg of robot; MJCF the joint's armature attribute, else 0.
   */
  armature?: number;
}

export interface AssembleOptions {
  name: string;
  source: string;
  feet?: string[] | undefined;
  gains?: Gains | undefined;
}

export interface ImportResult {
  robot: RobotDescription;
  warnings: string[];
  /** Names of the actuated joints (the others are passive: kp 0, in the action space but inert). */
  actuated: string[];
}

/** Saturation error of the default PD: the full torque at 0.15 rad (revolute) or 15 mm (prismatic). */
const SATURATION_ANGLE = 0.15;
const SATURATION_SLIDE = 0.015;
/** kd = KD_RATIO · kp (the built-in Ant's 200 / 2). */
const KD_RATIO = 0.01;
const FOOT_TOLERANCE = 0.01;

export function matFromQuat(q: Quat): Mat3 {
  const [x, y, z, w] = q;
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
}

export function composePose(a: Pose, b: Pose): Pose {
  return { p: add(a.p, rotateVec(a.q, b.p)), q: normalizeQuat(quatMul(a.q, b.q)) };
}

function normalizeQuat(q: Quat): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

/** Volume of a local shape (meshes: of the closed mesh). */
function localVolume(s: LocalShape): number {
  switch (s.kind) {
    case "sphere":
      return (4 / 3) * Math.PI * s.radius ** 3;
    case "capsule":
      return Math.PI * s.radius ** 2 * dist(s.from, s.to) + (4 / 3) * Math.PI * s.radius ** 3;
    case "cylinder":
      return Math.PI * s.radius ** 2 * dist(s.from, s.to);
    case "box":
      return 8 * s.halfExtents[0] * s.halfExtents[1] * s.halfExtents[2];
    case "ellipsoid":
      return (4 / 3) * Math.PI * s.radii[0] * s.radii[1] * s.radii[2];
    case "mesh":
      return s.props.mass;
  }
}

function dist(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Mass properties of a shape given in some frame, at a density. */
function shapeMassProps(s: LocalShape, density: number): MassProps {
  const mass = density * localVolume(s);
  switch (s.kind) {
    case "sphere": {
      const i = sphereInertia(mass, s.radius);
      return { mass, com: [...s.center], tensor: diag(i, i, i) };
    }
    case "capsule":
    case "cylinder": {
      const h = dist(s.from, s.to);
      const [across, along] = s.kind === "capsule" ? capsuleInertia(mass, s.radius, h) : cylinderInertia(mass, s.radius, h);
      const d = h > 0 ? normalize3(sub(s.to, s.from)) : ([0, 0, 1] as Vec3);
      return { mass, com: mid(s.from, s.to), tensor: axialTensor(d, across, along) };
    }
    case "box": {
      const i = boxInertia(mass, s.halfExtents);
      return { mass, com: [...s.center], tensor: rotateTensor(matFromQuat(s.rotation), diag(...i)) };
    }
    case "ellipsoid": {
      const i = ellipsoidInertia(mass, s.radii);
      return { mass, com: [...s.center], tensor: rotateTensor(matFromQuat(s.rotation), diag(...i)) };
    }
    case "mesh":
      return { mass, com: [...s.props.com], tensor: s.props.tensor.map((row) => row.map((v) => v * density)) };
  }
}

function mid(a: Vec3, b: Vec3): Vec3 {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}

/** Mass properties moved from a link frame into a body frame (world-aligned, origin `o` = link origin - body origin). */
function moveMassProps(m: MassProps, r: Mat3, o: Vec3): MassProps {
  const c = m.com;
  const com: Vec3 = [o[0] + r[0]![0]! * c[0] + r[0]![1]! * c[1] + r[0]![2]! * c[2], o[1] + r[1]![0]! * c[0] + r[1]![1]! * c[1] + r[1]![2]! * c[2], o[2] + r[2]![0]! * c[0] + r[2]![1]! * c[1] + r[2]![2]! * c[2]];
  return { mass: m.mass, com, tensor: rotateTensor(r, m.tensor) };
}

function apply(r: Mat3, o: Vec3, v: Vec3): Vec3 {
  return [o[0] + r[0]![0]! * v[0] + r[0]![1]! * v[1] + r[0]![2]! * v[2], o[1] + r[1]![0]! * v[0] + r[1]![1]! * v[1] + r[1]![2]! * v[2], o[2] + r[2]![0]! * v[0] + r[2]![1]! * v[1] + r[2]![2]! * v[2]];
}

const ELLIPSOID_POINTS: Vec3[] = (() => {
  const pts: Vec3[] = [
    [0, 0, 1],
    [0, 0, -1],
  ];
  for (let i = 1; i < 8; i++) {
    const th = (i * Math.PI) / 8;
    for (let k = 0; k < 16; k++) {
      const ph = (k * 2 * Math.PI) / 16;
      pts.push([Math.sin(th) * Math.cos(ph), Math.sin(th) * Math.sin(ph), Math.cos(th)]);
    }
  }
  return pts;
})();

/** A link-frame shape in the body frame; boxes stay boxes only when axis-aligned there. */
function bakeShape(s: LocalShape, r: Mat3, o: Vec3): { shape: ShapeDescription; needsInertial: boolean } {
  switch (s.kind) {
    case "sphere":
      return { shape: { kind: "sphere", radius: s.radius, center: apply(r, o, s.center) }, needsInertial: false };
    case "capsule":
    case "cylinder":
      return { shape: { kind: s.kind, radius: s.radius, from: apply(r, o, s.from), to: apply(r, o, s.to) }, needsInertial: false };
    case "box": {
      const m = mul(r, matFromQuat(s.rotation));
      const half: Vec3 = [0, 0, 0];
      let aligned = true;
      for (let i = 0; i < 3 && aligned; i++) {
        const j = [0, 1, 2].find((c) => Math.abs(Math.abs(m[i]![c]!) - 1) < 1e-9);
        if (j === undefined) aligned = false;
        else half[i] = s.halfExtents[j]!;
      }
      const center = apply(r, o, s.center);
      if (aligned) return { shape: { kind: "box", halfExtents: half, center }, needsInertial: false };
      const pts: Vec3[] = [];
      for (const sx of [-1, 1]) for (const sy of [-1, 1]) for (const sz of [-1, 1]) pts.push(apply(m, center, [sx * s.halfExtents[0], sy * s.halfExtents[1], sz * s.halfExtents[2]]));
      return { shape: { kind: "convex", points: pts }, needsInertial: true };
    }
    case "ellipsoid": {
      if (s.radii[0] === s.radii[1] && s.radii[1] === s.radii[2]) return { shape: { kind: "sphere", radius: s.radii[0], center: apply(r, o, s.center) }, needsInertial: false };
      const m = mul(r, matFromQuat(s.rotation));
      const center = apply(r, o, s.center);
      return { shape: { kind: "convex", points: ELLIPSOID_POINTS.map((u) => apply(m, center, [u[0] * s.radii[0], u[1] * s.radii[1], u[2] * s.radii[2]])) }, needsInertial: true };
    }
    case "mesh":
      return { shape: { kind: "convex", points: s.points.map((p) => apply(r, o, p)) }, needsInertial: true };
  }
}

function mul(a: Mat3, b: Mat3): Mat3 {
  const out: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i]![j]! += a[i]![k]! * b[k]![j]!;
  return out;
}

/** Lowest point of a body-frame shape: the foot point and the radius of its end cap. */
function lowestPoint(s: ShapeDescription): { point: Vec3; radius: number; z: number } {
  switch (s.kind) {
    case "sphere":
      return { point: [...s.center], radius: s.radius, z: s.center[2] - s.radius };
    case "capsule": {
      const p = s.from[2] <= s.to[2] ? s.from : s.to;
      return { point: [...p], radius: s.radius, z: p[2] - s.radius };
    }
    case "cylinder": {
      const d = normalize3(sub(s.to, s.from));
      const end = s.from[2] <= s.to[2] ? s.from : s.to;
      // the rim point furthest down: along the horizontal direction of -z projected off the axis
      const h: Vec3 = [d[0] * d[2], d[1] * d[2], d[2] * d[2] - 1];
      const n = Math.hypot(h[0], h[1], h[2]);
      const p: Vec3 = n > 1e-9 ? [end[0] + (s.radius * h[0]) / n, end[1] + (s.radius * h[1]) / n, end[2] + (s.radius * h[2]) / n] : [...end];
      return { point: p, radius: 0, z: p[2] };
    }
    case "box": {
      const p: Vec3 = [s.center[0], s.center[1], s.center[2] - s.halfExtents[2]];
      return { point: p, radius: 0, z: p[2] };
    }
    case "convex": {
      let best = s.points[0]!;
      for (const p of s.points) if (p[2] < best[2]) best = p;
      return { point: [...best], radius: 0, z: best[2] };
    }
  }
}

/** Drop a common prefix and suffix (at '_', '-' or '.' boundaries) from leg-root names: thigh_front_left -> front_left. */
function legNames(names: string[]): string[] {
  if (names.length < 2) return names;
  const sep = /[_\-.]/;
  const split = names.map((n) => n.split(/(?<=[_\-.])/));
  let pre = 0;
  while (split.every((s) => s.length > pre + 1 && s[pre] === split[0]![pre] && sep.test(s[pre]!.slice(-1)))) pre++;
  let suf = 0;
  while (split.every((s) => s.length > pre + suf + 1 && s[s.length - 1 - suf] === split[0]![split[0]!.length - 1 - suf])) suf++;
  const out = split.map((s) => s.slice(pre, s.length - suf).join("").replace(/[_\-.]$/, ""));
  return new Set(out).size === out.length && out.every(Boolean) ? out : names;
}

export function assemble(links: RawLink[], joints: RawJoint[], options: AssembleOptions, warnings: string[]): ImportResult {
  const src = options.source;
  const childJoints = links.map(() => [] as number[]);
  const parentJoint = links.map(() => -1);
  joints.forEach((j, ji) => {
    childJoints[j.parent]!.push(ji);
    parentJoint[j.child] = ji;
  });
  const root = parentJoint.findIndex((p) => p < 0);

  // bodies in depth-first order; fixed joints merge the child link into the current body
  const bodyLinks: number[][] = [];
  const bodyOfLink = links.map(() => -1);
  const outJoints: Array<{ raw: RawJoint; parentBody: number; childBody: number }> = [];
  const visit = (link: number, body: number) => {
    bodyOfLink[link] = body;
    bodyLinks[body]!.push(link);
    for (const ji of childJoints[link]!) {
      const j = joints[ji]!;
      if (j.type === "fixed") visit(j.child, body);
      else {
        const nb = bodyLinks.length;
        bodyLinks.push([]);
        outJoints.push({ raw: j, parentBody: body, childBody: nb });
        visit(j.child, nb);
      }
    }
  };
  bodyLinks.push([]);
  visit(root, 0);
  const armatureOf = bodyLinks.map(() => 0);
  for (const j of outJoints) armatureOf[j.childBody] = j.raw.armature ?? 0;

  const bodies: BodyDescription[] = bodyLinks.map((ls, bi) => {
    const primary = links[ls[0]!]!;
    const origin = primary.pose.p;
    const geoms: GeomDescription[] = [];
    const baked: Array<{ geom: RawGeom; shape: ShapeDescription }> = [];
    const armature = armatureOf[bi]!;
    let explicit = armature > 0;
    for (const li of ls) {
      const link = links[li]!;
      const r = matFromQuat(link.pose.q);
      const o = sub(link.pose.p, origin);
      if (link.inertial) explicit = true;
      for (const g of link.geoms) {
        const b = bakeShape(g.shape, r, o);
        if (b.needsInertial || g.density === undefined) explicit = true;
        baked.push({ geom: g, shape: b.shape });
      }
    }
    let inertial: MassProps | undefined;
    if (explicit) {
      const parts: MassProps[] = [];
      for (const li of ls) {
        const link = links[li]!;
        const r = matFromQuat(link.pose.q);
        const o = sub(link.pose.p, origin);
        if (link.inertial) parts.push(moveMassProps(link.inertial, r, o));
        for (const g of link.geoms) if (g.density !== undefined && g.density > 0) parts.push(moveMassProps(shapeMassProps(g.shape, g.density), r, o));
      }
      inertial = combine(parts);
      if (!(inertial.mass > 0)) {
        throw new SpikelocoError(`${primary.where}: moves as a body but has zero mass (give it an <inertial> with mass > 0)`, src);
      }
      for (let k = 0; k < 3; k++) inertial.tensor[k]![k]! += armature;
    }
    for (const b of baked) geoms.push({ shape: b.shape, density: explicit ? 0 : b.geom.density!, friction: b.geom.friction });
    const body: BodyDescription = { name: primary.name, position: [...origin], geoms };
    if (inertial) body.inertial = toInertial(inertial);
    if (!explicit && geoms.every((g) => g.density === 0)) {
      throw new SpikelocoError(`${primary.where}: moves as a body but has zero mass (no geom with density > 0)`, src);
    }
    return body;
  });

  // joints with gains
  const totalMass = robotMass({ name: "", bodies, joints: [], feet: [], legs: [], spawnHeight: 0 });
  const overrides = options.gains ?? {};
  const outJ: JointDescription[] = outJoints.map(({ raw, parentBody, childBody }) => {
    const axisLen = Math.hypot(...raw.axis);
    if (!(axisLen > 1e-9)) throw new SpikelocoError(`${raw.where}: axis is zero`, src);
    let limits = raw.limits;
    if (!limits) {
      if (raw.type === "prismatic") throw new SpikelocoError(`${raw.where}: a prismatic joint needs limits`, src);
      limits = [-Math.PI, Math.PI];
      warnings.push(`${raw.where}: no limits; actions span [-π, π]`);
    }
    if (!(limits[0] < limits[1])) throw new SpikelocoError(`${raw.where}: limits must satisfy lower < upper, got [${limits.join(", ")}]`, src);
    const saturation = raw.type === "prismatic" ? SATURATION_SLIDE : SATURATION_ANGLE;
    let maxTorque = overrides.maxTorque ?? raw.effort;
    if (maxTorque === undefined || !(maxTorque > 0)) {
      const fallback = raw.kp !== undefined ? raw.kp * (limits[1] - limits[0]) : totalMass * 9.81 * 0.5;
      if (raw.actuated) warnings.push(`${raw.where}: no effort limit; using ${fallback.toPrecision(3)} ${raw.type === "prismatic" ? "N" : "N·m"}`);
      maxTorque = fallback;
    }
    let kp = overrides.kp ?? raw.kp ?? maxTorque / saturation;
    let kd = overrides.kd ?? raw.kd ?? KD_RATIO * kp;
    if (!raw.actuated) {
      kp = 0;
      kd = raw.damping ?? 0;
      maxTorque = Math.max(kd * 10, 1e-3);
    }
    const j: JointDescription = {
      name: raw.name,
      parent: parentBody,
      child: childBody,
      anchor: [...raw.anchor],
      axis: normalize3(raw.axis),
      limits: [limits[0], limits[1]],
      kp,
      kd,
      maxTorque,
    };
    if (raw.type === "prismatic") j.type = "prismatic";
    if (raw.velocity !== undefined && raw.velocity > 0) j.maxVelocity = raw.velocity;
    return j;
  });

  // feet: named links, or leaf bodies whose lowest point is (near) the robot's lowest at rest
  const lowestOfBody = (bi: number) => {
    let best: { geom: number; point: Vec3; radius: number; z: number } | undefined;
    bodies[bi]!.geoms.forEach((g, gi) => {
      const l = lowestPoint(g.shape);
      const z = l.z + bodies[bi]!.position[2];
      if (!best || z < best.z) best = { geom: gi, point: l.point, radius: l.radius, z };
    });
    return best;
  };
  let footBodies: Array<{ body: number; geom: number; point: Vec3; radius: number; z: number }> = [];
  if (options.feet && options.feet.length > 0) {
    for (const name of options.feet) {
      const li = links.findIndex((l) => l.name === name);
      if (li < 0) throw new SpikelocoError(`foot '${name}' is not a link/body of the robot (known: ${links.map((l) => l.name).join(", ")})`, `${src}: feet`);
      const bi = bodyOfLink[li]!;
      if (bi === 0) throw new SpikelocoError(`foot '${name}' is part of the root body; a foot must hang off a joint`, `${src}: feet`);
      const low = lowestOfBody(bi);
      if (!low) throw new SpikelocoError(`foot '${name}' has no collision geometry`, `${src}: feet`);
      footBodies.push({ body: bi, ...low });
    }
  } else {
    const hasChild = bodies.map(() => false);
    for (const j of outJ) hasChild[j.parent] = true;
    const leaves = bodies.map((_, bi) => bi).filter((bi) => bi > 0 && !hasChild[bi]);
    const lows = leaves.map((bi) => ({ body: bi, low: lowestOfBody(bi) })).filter((x) => x.low !== undefined);
    if (lows.length === 0) throw new SpikelocoError("no feet found: no leaf link has collision geometry (name the feet)", `${src}: feet`);
    const minZ = Math.min(...lows.map((x) => x.low!.z));
    footBodies = lows.filter((x) => x.low!.z <= minZ + FOOT_TOLERANCE).map((x) => ({ body: x.body, ...x.low! }));
    const skipped = lows.filter((x) => x.low!.z > minZ + FOOT_TOLERANCE).map((x) => bodies[x.body]!.name);
    if (skipped.length) warnings.push(`leaf bodies not touching the ground at rest are not feet: ${skipped.join(", ")}`);
  }
  const dup = footBodies.find((f, i) => footBodies.findIndex((g) => g.body === f.body) !== i);
  if (dup) throw new SpikelocoError(`two feet on body '${bodies[dup.body]!.name}'`, `${src}: feet`);

  // the foot collider is its body's last geom (the env reads contacts from it)
  for (const f of footBodies) {
    const gs = bodies[f.body]!.geoms;
    const [g] = gs.splice(f.geom, 1);
    gs.push(g!);
    f.geom = gs.length - 1;
  }
  const feet: FootDescription[] = footBodies.map((f) => ({ body: f.body, point: f.point, radius: f.radius }));

  // legs: the joints from the root to each foot
  const jointOfBody = new Map<number, number>();
  outJ.forEach((j, ji) => jointOfBody.set(j.child, ji));
  const chains = feet.map((f) => {
    const path: number[] = [];
    let b = f.body;
    while (b !== 0) {
      const ji = jointOfBody.get(b)!;
      path.unshift(ji);
      b = outJ[ji]!.parent;
    }
    return path;
  });
  const names = legNames(chains.map((c) => bodies[outJ[c[0]!]!.child]!.name));
  const legs: LegDescription[] = chains.map((c, i) => ({ name: names[i]!, joints: c, foot: i }));
  if (new Set(names).size !== names.length) {
    legs.forEach((l, i) => (l.name = bodies[feet[i]!.body]!.name));
  }

  const spawnHeight = -Math.min(...feet.map((f) => bodies[f.body]!.position[2] + f.point[2] - f.radius));
  if (!(spawnHeight > 0)) warnings.push(`the feet are not below the root at rest (rest height ${spawnHeight.toFixed(3)} m)`);

  const robot: RobotDescription = { name: options.name, bodies, joints: outJ, feet, legs, spawnHeight };
  try {
    validateRobot(robot);
  } catch (e) {
    throw new SpikelocoError(`imported robot is invalid: ${(e as Error).message}`, src);
  }
  return { robot, warnings, actuated: outJoints.filter((j) => j.raw.actuated).map((j) => j.raw.name) };
}
