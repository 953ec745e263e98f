/**
 * URDF -> RobotDescription. Links: <inertial> (mass, origin, inertia) and <collision> geometry (box,
 * cylinder, sphere; STL meshes as convex hulls). Joints: revolute, continuous, prismatic, fixed (merged).
 * <transmission>s (or options.actuated) choose the actuated joints. Errors name the element and its line.
 */
import { SpikelocoError } from "../../core/errors.ts";
import type { Quat, Vec3 } from "../math.ts";
import { principalInertia } from "../robot.ts";
import type { ImportOptions, ImportResult, LocalShape, Pose, RawGeom, RawJoint, RawLink } from "./assemble.ts";
import { assemble, composePose, matFromQuat } from "./assemble.ts";
import type { MassProps } from "./inertia.ts";
import { meshMassProps, rotateTensor } from "./inertia.ts";
import { parseStl } from "./stl.ts";
import type { XmlElement } from "./xml.ts";
import { childNamed, childrenNamed, describe, fail, numberAttr, parseXml, vec3Attr } from "./xml.ts";

const FRICTION = 1;

/** URDF rpy: fixed-axis roll (x), pitch (y), yaw (z): R = Rz(yaw)·Ry(pitch)·Rx(roll). */
export function quatFromRpy(r: number, p: number, y: number): Quat {
  const cr = Math.cos(r / 2), sr = Math.sin(r / 2);
  const cp = Math.cos(p / 2), sp = Math.sin(p / 2);
  const cy = Math.cos(y / 2), sy = Math.sin(y / 2);
  return [sr * cp * cy - cr * sp * sy, cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy, cr * cp * cy + sr * sp * sy];
}

function originOf(el: XmlElement, src: string): Pose {
  const o = childNamed(el, "origin");
  if (!o) return { p: [0, 0, 0], q: [0, 0, 0, 1] };
  const rpy = vec3Attr(o, "rpy", src, [0, 0, 0]);
  return { p: vec3Attr(o, "xyz", src, [0, 0, 0]), q: quatFromRpy(rpy[0], rpy[1], rpy[2]) };
}

function apply(pose: Pose, v: Vec3): Vec3 {
  const m = matFromQuat(pose.q);
  return [pose.p[0] + m[0]![0]! * v[0] + m[0]![1]! * v[1] + m[0]![2]! * v[2], pose.p[1] + m[1]![0]! * v[0] + m[1]![1]! * v[1] + m[1]![2]! * v[2], pose.p[2] + m[2]![0]! * v[0] + m[2]![1]! * v[1] + m[2]![2]! * v[2]];
}

function positive(el: XmlElement, attr: string, src: string): number {
  const v = numberAttr(el, attr, src);
  if (!(v > 0)) fail(el, `${attr} must be > 0, got ${v}`, src);
  return v;
}

function parseInertial(el: XmlElement, src: string): MassProps {
  const origin = originOf(el, src);
  const massEl = childNamed(el, "mass");
  if (!massEl) fail(el, "missing <mass>", src);
  const mass = numberAttr(massEl, "value", src);
  if (!(mass > 0)) fail(massEl, `mass must be > 0, got ${mass} (a link without mass has no <inertial>)`, src);
  const i = childNamed(el, "inertia");
  if (!i) fail(el, "missing <inertia>", src);
  const g = (k: string) => numberAttr(i, k, src, 0);
  const local = [
    [g("ixx"), g("ixy"), g("ixz")],
    [g("ixy"), g("iyy"), g("iyz")],
    [g("ixz"), g("iyz"), g("izz")],
  ];
  const { moments } = principalInertia([local[0]![0]!, local[1]![1]!, local[2]![2]!, local[0]![1]!, local[0]![2]!, local[1]![2]!]);
  if (!moments.every((m) => m > 0)) fail(i, `inertia must be positive definite (principal moments ${moments.map((m) => m.toPrecision(3)).join(", ")})`, src);
  return { mass, com: [...origin.p], tensor: rotateTensor(matFromQuat(origin.q), local) };
}

/** The inertia-equivalent box of a link (the fallback for a mesh whose file is missing). */
function boundsBox(inertial: MassProps): LocalShape {
  const t = inertial.tensor;
  const { moments, frame } = principalInertia([t[0]![0]!, t[1]![1]!, t[2]![2]!, t[0]![1]!, t[0]![2]!, t[1]![2]!]);
  const [a, b, c] = moments;
  const side = (x: number) => Math.sqrt(Math.max((6 * x) / inertial.mass, 1e-8)) / 2;
  return { kind: "box", center: [...inertial.com], rotation: frame, halfExtents: [side(b + c - a), side(a + c - b), side(a + b - c)] };
}

function parseGeometry(col: XmlElement, link: XmlElement, inertial: MassProps | undefined, options: ImportOptions, warnings: string[], src: string): LocalShape | undefined {
  const origin = originOf(col, src);
  const geo = childNamed(col, "geometry");
  if (!geo) fail(col, "missing <geometry>", src);
  const shape = geo.children[0];
  if (!shape) fail(geo, "empty <geometry>", src);
  switch (shape.tag) {
    case "box": {
      const size = vec3Attr(shape, "size", src, [0, 0, 0]);
      if (!size.every((v) => v > 0)) fail(shape, `size must be 3 numbers > 0`, src);
      return { kind: "box", center: [...origin.p], rotation: origin.q, halfExtents: [size[0] / 2, size[1] / 2, size[2] / 2] };
    }
    case "sphere":
      return { kind: "sphere", center: [...origin.p], radius: positive(shape, "radius", src) };
    case "cylinder": {
      const radius = positive(shape, "radius", src);
      const half = positive(shape, "length", src) / 2;
      return { kind: "cylinder", radius, from: apply(origin, [0, 0, -half]), to: apply(origin, [0, 0, half]) };
    }
    case "mesh": {
      const file = shape.attrs.filename;
      if (!file) fail(shape, "missing attribute filename", src);
      const scale = vec3Attr(shape, "scale", src, [1, 1, 1]);
      const bytes = /\.stl$/i.test(file) ? options.readFile?.(file) : undefined;
      const mesh = bytes ? parseStl(bytes, scale) : undefined;
      if (bytes && !mesh) fail(shape, `'${file}' is not a readable STL file`, src);
      if (mesh) {
        if (mesh.vertices.length < 4) fail(shape, `'${file}' has fewer than 4 vertices`, src);
        return { kind: "mesh", points: mesh.vertices.map((v) => apply(origin, v)), props: transformProps(meshMassProps(mesh.vertices, mesh.triangles), origin) };
      }
      const why = /\.stl$/i.test(file) ? `mesh file '${file}' not found` : `mesh format of '${file}' is not supported (STL only)`;
      if (options.meshFallback !== "bounds") fail(shape, `${why} (give the mesh files, or ask for meshFallback "bounds" to use the link's inertia-equivalent box)`, src);
      if (!inertial) fail(shape, `${why}, and link '${link.attrs.name}' has no <inertial> to size a fallback box from`, src);
      warnings.push(`${describe(shape)}: ${why}; using link '${link.attrs.name}''s inertia-equivalent box instead`);
      return boundsBox(inertial);
    }
    default:
      fail(shape, `unsupported geometry <${shape.tag}> (box, cylinder, sphere or mesh)`, src);
  }
}

function transformProps(m: MassProps, pose: Pose): MassProps {
  return { mass: m.mass, com: apply(pose, m.com), tensor: rotateTensor(matFromQuat(pose.q), m.tensor) };
}

export function importUrdf(text: string, options: ImportOptions = {}): ImportResult {
  const src = options.source ?? "urdf";
  const warnings: string[] = [];
  const root = parseXml(text, src);
  if (root.tag !== "robot") fail(root, "the root element of a URDF must be <robot>", src);

  const linkEls = childrenNamed(root, "link");
  if (linkEls.length === 0) fail(root, "no <link> elements", src);
  const linkIndex = new Map<string, number>();
  linkEls.forEach((el, i) => {
    const name = el.attrs.name;
    if (!name) fail(el, "missing attribute name", src);
    if (linkIndex.has(name)) fail(el, `duplicate link name '${name}' (first at line ${linkEls[linkIndex.get(name)!]!.line})`, src);
    linkIndex.set(name, i);
  });

  const jointEls = childrenNamed(root, "joint");
  const jointNames = new Set<string>();
  const parentOf = linkEls.map(() => -1);
  const edges = jointEls.map((el, ji) => {
    const name = el.attrs.name;
    if (!name) fail(el, "missing attribute name", src);
    if (jointNames.has(name)) fail(el, `duplicate joint name '${name}'`, src);
    jointNames.add(name);
    const type = el.attrs.type;
    if (!["revolute", "continuous", "prismatic", "fixed"].includes(type ?? "")) {
      fail(el, `unsupported joint type '${type ?? ""}' (revolute, continuous, prismatic or fixed)`, src);
    }
    const end = (tag: "parent" | "child") => {
      const e = childNamed(el, tag);
      if (!e || !e.attrs.link) fail(el, `missing <${tag} link="...">`, src);
      const li = linkIndex.get(e.attrs.link);
      if (li === undefined) fail(e, `missing link '${e.attrs.link}' (no <link name="${e.attrs.link}">)`, src);
      return li;
    };
    const parent = end("parent");
    const child = end("child");
    if (parent === child) fail(el, `joins link '${el.attrs.name}' to itself`, src);
    if (parentOf[child]! >= 0) fail(el, `link '${linkEls[child]!.attrs.name}' already has a parent joint (${describe(jointEls[parentOf[child]!]!)}); a URDF is a tree`, src);
    parentOf[child] = ji;
    return { el, parent, child, type: type as string };
  });

  const roots = linkEls.map((_, i) => i).filter((i) => parentOf[i]! < 0);
  if (roots.length === 0) throw new SpikelocoError("the joints form a cycle: every link is some joint's child (no root link)", src);
  if (roots.length > 1) throw new SpikelocoError(`more than one root link (${roots.map((i) => linkEls[i]!.attrs.name).join(", ")}): every link but one must be a joint's child`, src);

  // rest poses, breadth first; links a walk from the root never reaches sit on a cycle
  const poses: Array<Pose | undefined> = linkEls.map(() => undefined);
  poses[roots[0]!] = { p: [0, 0, 0], q: [0, 0, 0, 1] };
  const order = [roots[0]];
  for (let k = 0; k < order.length; k++) {
    for (const e of edges) {
      if (e.parent !== order[k]) continue;
      poses[e.child] = composePose(poses[e.parent]!, originOf(e.el, src));
      order.push(e.child);
    }
  }
  const stray = poses.findIndex((p) => p === undefined);
  if (stray >= 0) fail(jointEls[parentOf[stray]!]!, `is part of a cycle: link '${linkEls[stray]!.attrs.name}' cannot be reached from the root link '${linkEls[roots[0]!]!.attrs.name}'`, src);

  // actuation: options, else transmissions, else every moving joint
  const moving = edges.filter((e) => e.type !== "fixed").map((e) => e.el.attrs.name!);
  let actuated: Set<string>;
  const transmitted: string[] = [];
  for (const t of childrenNamed(root, "transmission")) {
    for (const j of childrenNamed(t, "joint")) {
      if (!jointNames.has(j.attrs.name ?? "")) fail(j, `transmission names an unknown joint '${j.attrs.name ?? ""}'`, src);
      transmitted.push(j.attrs.name!);
    }
  }
  if (options.actuated) {
    for (const n of options.actuated) if (!moving.includes(n)) throw new SpikelocoError(`'${n}' is not a moving joint of the robot (known: ${moving.join(", ")})`, `${src}: actuated`);
    actuated = new Set(options.actuated);
  } else if (transmitted.length > 0) {
    actuated = new Set(transmitted);
  } else {
    actuated = new Set(moving);
  }
  const passive = moving.filter((n) => !actuated.has(n));
  if (passive.length) warnings.push(`passive (unactuated) joints keep kp 0 and stay in the action space: ${passive.join(", ")}`);

  const links: RawLink[] = linkEls.map((el, i) => {
    const inertialEl = childNamed(el, "inertial");
    const inertial = inertialEl ? parseInertial(inertialEl, src) : undefined;
    const geoms: RawGeom[] = [];
    for (const col of childrenNamed(el, "collision")) {
      const shape = parseGeometry(col, el, inertial, options, warnings, src);
      if (shape) geoms.push({ shape, friction: FRICTION, density: undefined, where: describe(col) });
    }
    return { name: el.attrs.name!, where: describe(el), pose: poses[i]!, geoms, inertial };
  });

  const armature = options.armature ?? 0.001 * links.reduce((m, l) => m + (l.inertial?.mass ?? 0), 0);
  const joints: RawJoint[] = edges.map((e) => {
    const el = e.el;
    const pose = poses[e.child]!;
    const axisEl = childNamed(el, "axis");
    const axisLocal: Vec3 = axisEl ? vec3Attr(axisEl, "xyz", src, [1, 0, 0]) : [1, 0, 0];
    const m = matFromQuat(pose.q);
    const axis: Vec3 = [m[0]![0]! * axisLocal[0] + m[0]![1]! * axisLocal[1] + m[0]![2]! * axisLocal[2], m[1]![0]! * axisLocal[0] + m[1]![1]! * axisLocal[1] + m[1]![2]! * axisLocal[2], m[2]![0]! * axisLocal[0] + m[2]![1]! * axisLocal[1] + m[2]![2]! * axisLocal[2]];
    const type = e.type === "fixed" ? "fixed" : e.type === "prismatic" ? "prismatic" : "revolute";
    const limit = childNamed(el, "limit");
    let limits: [number, number] | undefined;
    let effort: number | undefined;
    let velocity: number | undefined;
    if (limit) {
      effort = numberAttr(limit, "effort", src, 0) || undefined;
      velocity = numberAttr(limit, "velocity", src, 0) || undefined;
      if (effort !== undefined && effort < 0) fail(limit, `effort must be >= 0, got ${effort}`, src);
      if (e.type !== "continuous") {
        const lo = numberAttr(limit, "lower", src, 0);
        const hi = numberAttr(limit, "upper", src, 0);
        if (!(lo < hi)) fail(limit, `lower (${lo}) must be < upper (${hi})`, src);
        limits = [lo, hi];
      }
    } else if (e.type === "revolute" || e.type === "prismatic") {
      fail(el, `a ${e.type} joint needs <limit lower upper effort velocity>`, src);
    }
    const dyn = childNamed(el, "dynamics");
    return {
      name: el.attrs.name!,
      where: describe(el),
      type,
      parent: e.parent,
      child: e.child,
      anchor: [...pose.p],
      axis,
      limits,
      effort,
      velocity,
      damping: dyn ? numberAttr(dyn, "damping", src, 0) : undefined,
      armature: type === "fixed" ? 0 : armature,
      actuated: type !== "fixed" && actuated.has(el.attrs.name!),
    } satisfies RawJoint;
  });

  return assemble(links, joints, { name: options.name ?? root.attrs.name ?? "robot", source: src, feet: options.feet, gains: options.gains }, warnings);
}
