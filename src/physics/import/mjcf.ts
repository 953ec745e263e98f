/**
 * MJCF -> RobotDescription. Bodies (pos, quat/axisangle/euler/xyaxes/zaxis), geoms (sphere, capsule,
 * cylinder, box, ellipsoid; fromto), joints (hinge, slide, a free root), <default> classes and childclass,
 * <compiler angle eulerseq autolimits inertiafromgeom>, <inertial>, actuators (motor with gear and
 * ctrlrange/forcerange; position with kp/kv), contact exclusions (spikeloco robots never self-collide, so
 * every exclusion holds). Bodies without a joint are welded to their parent (merged).
 */
import { SpikelocoError } from "../../core/errors.ts";
import type { Quat, Vec3 } from "../math.ts";
import { cross3, normalize3, quatFromAxisAngle, quatMul } from "../math.ts";
import { quatFromMatrix } from "../robot.ts";
import type { ImportOptions, ImportResult, LocalShape, Pose, RawGeom, RawJoint, RawLink } from "./assemble.ts";
import { assemble, composePose, matFromQuat } from "./assemble.ts";
import type { MassProps } from "./inertia.ts";
import { diag, rotateTensor } from "./inertia.ts";
import type { XmlElement } from "./xml.ts";
import { childNamed, childrenNamed, describe, fail, parseNumbers, parseXml } from "./xml.ts";

type Attrs = Record<string, string>;
/** class name -> element kind (geom, joint, actuator, ...) -> default attributes. */
type DefaultClasses = Map<string, Record<string, Attrs>>;

const ACTUATOR_TAGS = ["motor", "position", "general", "velocity", "intvelocity", "damper", "cylinder", "muscle", "adhesion"];

interface Ctx {
  src: string;
  degree: boolean;
  eulerseq: string;
  autolimits: boolean;
  inertiaFromGeom: "auto" | "true" | "false";
  defaults: DefaultClasses;
  /** <asset><mesh name vertex> inline vertex lists. */
  meshes: Map<string, Vec3[]>;
  warnings: string[];
  options: ImportOptions;
}

function parseDefaults(el: XmlElement, inherited: Record<string, Attrs>, out: DefaultClasses, src: string): void {
  const name = el.attrs.class ?? "main";
  if (out.has(name) && name !== "main") fail(el, `duplicate default class '${name}'`, src);
  const mine: Record<string, Attrs> = {};
  for (const [k, v] of Object.entries(inherited)) mine[k] = { ...v };
  for (const c of el.children) {
    if (c.tag === "default") continue;
    const kind = ACTUATOR_TAGS.includes(c.tag) ? "actuator" : c.tag;
    mine[kind] = { ...(mine[kind] ?? {}), ...c.attrs };
    if (ACTUATOR_TAGS.includes(c.tag)) mine[`actuator:${c.tag}`] = { ...(mine[`actuator:${c.tag}`] ?? {}), ...c.attrs };
  }
  out.set(name, mine);
  for (const c of childrenNamed(el, "default")) {
    if (!c.attrs.class) fail(c, "a nested <default> needs a class", src);
    parseDefaults(c, mine, out, src);
  }
}

/** The element's attributes over its class defaults (class attr, else the enclosing bodies' childclass, else main). */
function resolved(el: XmlElement, kind: string, ctx: Ctx): Attrs {
  let cls = el.attrs.class;
  for (let p = el.parent; cls === undefined && p; p = p.parent) if (p.tag === "body" || p.tag === "worldbody") cls = p.attrs.childclass;
  if (cls !== undefined && !ctx.defaults.has(cls)) fail(el, `unknown default class '${cls}'`, ctx.src);
  const d = ctx.defaults.get(cls ?? "main")?.[kind] ?? {};
  return { ...d, ...el.attrs };
}

function nums(a: Attrs, key: string, el: XmlElement, ctx: Ctx, count?: number | number[]): number[] | undefined {
  const v = a[key];
  return v === undefined ? undefined : parseNumbers(v, el, key, ctx.src, count);
}

function vec(a: Attrs, key: string, el: XmlElement, ctx: Ctx, fallback: Vec3): Vec3 {
  const n = nums(a, key, el, ctx, 3);
  return n ? [n[0]!, n[1]!, n[2]!] : [...fallback];
}

function angle(v: number, ctx: Ctx): number {
  return ctx.degree ? (v * Math.PI) / 180 : v;
}

/** The frame orientation of a body, geom or inertial (MJCF's alternative orientation attributes). */
function orientation(a: Attrs, el: XmlElement, ctx: Ctx): Quat {
  const given = ["quat", "axisangle", "euler", "xyaxes", "zaxis"].filter((k) => a[k] !== undefined && el.attrs[k] !== undefined);
  const keys = given.length > 0 ? given : ["quat", "axisangle", "euler", "xyaxes", "zaxis"].filter((k) => a[k] !== undefined);
  if (keys.length > 1) fail(el, `gives more than one orientation (${keys.join(", ")})`, ctx.src);
  const k = keys[0];
  if (!k) return [0, 0, 0, 1];
  if (k === "quat") {
    const q = nums(a, k, el, ctx, 4)!;
    const n = Math.hypot(...q);
    if (!(n > 0)) fail(el, "quat is zero", ctx.src);
    return [q[1]! / n, q[2]! / n, q[3]! / n, q[0]! / n];
  }
  if (k === "axisangle") {
    const q = nums(a, k, el, ctx, 4)!;
    return quatFromAxisAngle([q[0]!, q[1]!, q[2]!], angle(q[3]!, ctx));
  }
  if (k === "euler") {
    const e = nums(a, k, el, ctx, 3)!;
    let q: Quat = [0, 0, 0, 1];
    ctx.eulerseq.split("").forEach((c, i) => {
      const axis: Vec3 = c.toLowerCase() === "x" ? [1, 0, 0] : c.toLowerCase() === "y" ? [0, 1, 0] : [0, 0, 1];
      const r = quatFromAxisAngle(axis, angle(e[i]!, ctx));
      q = c === c.toLowerCase() ? quatMul(q, r) : quatMul(r, q);
    });
    return q;
  }
  if (k === "xyaxes") {
    const v = nums(a, k, el, ctx, 6)!;
    const x = normalize3([v[0]!, v[1]!, v[2]!]);
    let y: Vec3 = [v[3]!, v[4]!, v[5]!];
    const d = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
    y = normalize3([y[0] - d * x[0], y[1] - d * x[1], y[2] - d * x[2]]);
    const z = cross3(x, y);
    return quatFromMatrix([
      [x[0], y[0], z[0]],
      [x[1], y[1], z[1]],
      [x[2], y[2], z[2]],
    ]);
  }
  const z = normalize3(vec(a, "zaxis", el, ctx, [0, 0, 1]));
  const c = cross3([0, 0, 1], z);
  const s = Math.hypot(...c);
  if (s < 1e-12) return z[2] > 0 ? [0, 0, 0, 1] : [1, 0, 0, 0];
  return quatFromAxisAngle(c, Math.atan2(s, z[2]));
}

function frameOf(a: Attrs, el: XmlElement, ctx: Ctx): Pose {
  return { p: vec(a, "pos", el, ctx, [0, 0, 0]), q: orientation(a, el, ctx) };
}

function at(pose: Pose, v: Vec3): Vec3 {
  const m = matFromQuat(pose.q);
  return [pose.p[0] + m[0]![0]! * v[0] + m[0]![1]! * v[1] + m[0]![2]! * v[2], pose.p[1] + m[1]![0]! * v[0] + m[1]![1]! * v[1] + m[1]![2]! * v[2], pose.p[2] + m[2]![0]! * v[0] + m[2]![1]! * v[1] + m[2]![2]! * v[2]];
}

/** A geom in its body's frame; undefined = skipped (with a warning). */
function parseGeom(el: XmlElement, ctx: Ctx): { geom: RawGeom; collide: boolean } | undefined {
  const a = resolved(el, "geom", ctx);
  const type = a.type ?? "sphere";
  const size = nums(a, "size", el, ctx) ?? [];
  const fromto = nums(a, "fromto", el, ctx, 6);
  const collide = !(a.contype === "0" && a.conaffinity === "0");
  const need = (n: number) => {
    if (size.length < n) fail(el, `a ${type} geom needs ${n} size number${n > 1 ? "s" : ""}, got ${size.length}`, ctx.src);
    for (let i = 0; i < n; i++) if (!(size[i]! > 0)) fail(el, `size numbers must be > 0, got ${size[i]}`, ctx.src);
  };
  let shape: LocalShape;
  const frame = frameOf(a, el, ctx);
  // fromto: the geom's z axis runs from -> to (capsule, cylinder, box, ellipsoid)
  let segment: { from: Vec3; to: Vec3 } | undefined;
  if (fromto) {
    segment = { from: [fromto[0]!, fromto[1]!, fromto[2]!], to: [fromto[3]!, fromto[4]!, fromto[5]!] };
    if (Math.hypot(fromto[3]! - fromto[0]!, fromto[4]! - fromto[1]!, fromto[5]! - fromto[2]!) === 0) fail(el, "fromto has zero length", ctx.src);
  }
  const segFrame = (s: { from: Vec3; to: Vec3 }): Pose => {
    const z = normalize3([s.to[0] - s.from[0], s.to[1] - s.from[1], s.to[2] - s.from[2]]);
    const c = cross3([0, 0, 1], z);
    const sn = Math.hypot(...c);
    const q: Quat = sn < 1e-12 ? (z[2] > 0 ? [0, 0, 0, 1] : [1, 0, 0, 0]) : quatFromAxisAngle(c, Math.atan2(sn, z[2]));
    return { p: [(s.from[0] + s.to[0]) / 2, (s.from[1] + s.to[1]) / 2, (s.from[2] + s.to[2]) / 2], q };
  };
  switch (type) {
    case "sphere":
      need(1);
      shape = { kind: "sphere", center: [...frame.p], radius: size[0]! };
      break;
    case "capsule":
    case "cylinder": {
      need(1);
      if (segment) shape = { kind: type, radius: size[0]!, from: segment.from, to: segment.to };
      else {
        need(2);
        shape = { kind: type, radius: size[0]!, from: at(frame, [0, 0, -size[1]!]), to: at(frame, [0, 0, size[1]!]) };
      }
      break;
    }
    case "box":
    case "ellipsoid": {
      let f = frame;
      let half: Vec3;
      if (segment) {
        need(2);
        f = segFrame(segment);
        const len = Math.hypot(segment.to[0] - segment.from[0], segment.to[1] - segment.from[1], segment.to[2] - segment.from[2]) / 2;
        half = [size[0]!, size[1]!, len];
      } else {
        need(3);
        half = [size[0]!, size[1]!, size[2]!];
      }
      shape = type === "box" ? { kind: "box", center: [...f.p], rotation: f.q, halfExtents: half } : { kind: "ellipsoid", center: [...f.p], rotation: f.q, radii: half };
      break;
    }
    case "mesh": {
      const pts = ctx.meshes.get(a.mesh ?? "");
      if (!pts) {
        if (!collide) {
          ctx.warnings.push(`${describe(el)}: visual mesh geom skipped (its mass is not counted; give the body an <inertial> if it carries mass)`);
          return undefined;
        }
        fail(el, `mesh '${a.mesh ?? ""}' is not an inline-vertex <mesh> (mesh files are supported in URDF only)`, ctx.src);
      }
      if (frame.p.some((v) => v !== 0) || frame.q[3] !== 1) fail(el, "an inline-vertex mesh geom must sit at the body origin", ctx.src);
      if (el.parent && !childNamed(el.parent, "inertial")) fail(el, "a mesh geom needs its body's <inertial> (spikeloco does not compute mesh inertia in MJCF)", ctx.src);
      shape = { kind: "mesh", points: pts.map((p) => [...p] as Vec3), props: { mass: 0, com: [0, 0, 0], tensor: diag(0, 0, 0) } };
      break;
    }
    case "plane":
    case "hfield":
    case "sdf":
      if (!collide) {
        ctx.warnings.push(`${describe(el)}: visual ${type} geom skipped (its mass is not counted; give the body an <inertial> if it carries mass)`);
        return undefined;
      }
      fail(el, `unsupported geom type '${type}' in a body (sphere, capsule, cylinder, box or ellipsoid)`, ctx.src);
    // eslint-disable-next-line no-fallthrough
    default:
      fail(el, `unsupported geom type '${type}' (sphere, capsule, cylinder, box or ellipsoid)`, ctx.src);
  }
  const friction = nums(a, "friction", el, ctx)?.[0] ?? 1;
  if (!(friction >= 0)) fail(el, `friction must be >= 0, got ${friction}`, ctx.src);
  let density = nums(a, "density", el, ctx, 1)?.[0] ?? 1000;
  const mass = nums(a, "mass", el, ctx, 1)?.[0];
  if (mass !== undefined) {
    if (mass < 0) fail(el, `mass must be >= 0, got ${mass}`, ctx.src);
    density = mass / volumeOf(shape);
  }
  if (density < 0) fail(el, `density must be >= 0, got ${density}`, ctx.src);
  return { geom: { shape, friction, density, where: describe(el) }, collide };
}

function volumeOf(s: LocalShape): number {
  switch (s.kind) {
    case "sphere":
      return (4 / 3) * Math.PI * s.radius ** 3;
    case "capsule":
    case "cylinder": {
      const h = Math.hypot(s.to[0] - s.from[0], s.to[1] - s.from[1], s.to[2] - s.from[2]);
      return Math.PI * s.radius ** 2 * h + (s.kind === "capsule" ? (4 / 3) * Math.PI * s.radius ** 3 : 0);
    }
    case "box":
      return 8 * s.halfExtents[0] * s.halfExtents[1] * s.halfExtents[2];
    case "ellipsoid":
      return (4 / 3) * Math.PI * s.radii[0] * s.radii[1] * s.radii[2];
    case "mesh":
      return s.props.mass;
  }
}

function parseInertial(el: XmlElement, ctx: Ctx): MassProps {
  const a = el.attrs;
  const mass = nums(a, "mass", el, ctx, 1)?.[0];
  if (mass === undefined) fail(el, "missing attribute mass", ctx.src);
  if (!(mass > 0)) fail(el, `mass must be > 0, got ${mass}`, ctx.src);
  const frame = frameOf(a, el, ctx);
  const d = nums(a, "diaginertia", el, ctx, 3);
  const full = nums(a, "fullinertia", el, ctx, 6);
  if (!d && !full) fail(el, "needs diaginertia or fullinertia", ctx.src);
  const local = d ? diag(d[0]!, d[1]!, d[2]!) : [
    [full![0]!, full![3]!, full![4]!],
    [full![3]!, full![1]!, full![5]!],
    [full![4]!, full![5]!, full![2]!],
  ];
  if (d && !d.every((v) => v > 0)) fail(el, `diaginertia must be > 0, got ${d.join(" ")}`, ctx.src);
  return { mass, com: frame.p, tensor: rotateTensor(matFromQuat(frame.q), local) };
}

export function importMjcf(text: string, options: ImportOptions = {}): ImportResult {
  const src = options.source ?? "mjcf";
  const root = parseXml(text, src);
  if (root.tag !== "mujoco") fail(root, "the root element of an MJCF file must be <mujoco>", src);
  const include = findDeep(root, "include");
  if (include) fail(include, "<include> is not supported: inline the included file", src);
  const compiler = childNamed(root, "compiler");
  const angleAttr = compiler?.attrs.angle ?? "degree";
  if (angleAttr !== "degree" && angleAttr !== "radian") fail(compiler!, `angle must be degree or radian, got '${angleAttr}'`, src);
  const ifg = (compiler?.attrs.inertiafromgeom ?? "auto") as Ctx["inertiaFromGeom"];
  if (!["auto", "true", "false"].includes(ifg)) fail(compiler!, `inertiafromgeom must be auto, true or false, got '${ifg}'`, src);
  const ctx: Ctx = {
    src,
    degree: angleAttr === "degree",
    eulerseq: compiler?.attrs.eulerseq ?? "xyz",
    autolimits: (compiler?.attrs.autolimits ?? "true") === "true",
    inertiaFromGeom: ifg,
    defaults: new Map(),
    meshes: new Map(),
    warnings: [],
    options,
  };
  if (!/^[xyzXYZ]{3}$/.test(ctx.eulerseq)) fail(compiler!, `eulerseq must be 3 of x, y, z, X, Y, Z, got '${ctx.eulerseq}'`, src);
  ctx.defaults.set("main", {});
  for (const m of childrenNamed(childNamed(root, "asset") ?? root, "mesh")) {
    if (m.attrs.name && m.attrs.vertex) {
      const v = parseNumbers(m.attrs.vertex, m, "vertex", src);
      if (v.length % 3 !== 0 || v.length < 12) fail(m, "vertex needs at least 4 points of 3 numbers", src);
      const pts: Vec3[] = [];
      for (let i = 0; i < v.length; i += 3) pts.push([v[i]!, v[i + 1]!, v[i + 2]!]);
      ctx.meshes.set(m.attrs.name, pts);
    }
  }
  for (const d of childrenNamed(root, "default")) parseDefaults(d, {}, ctx.defaults, src);
  for (const tag of ["equality", "tendon"]) {
    const e = childNamed(root, tag);
    if (e && e.children.length) ctx.warnings.push(`${describe(e)}: ignored (spikeloco robots are trees of joints)`);
  }

  const world = childNamed(root, "worldbody");
  if (!world) fail(root, "no <worldbody>", src);
  const tops = childrenNamed(world, "body");
  if (tops.length === 0) fail(world, "no <body> in the worldbody", src);
  if (tops.length > 1) fail(tops[1]!, `a second top-level body (the robot is the first, ${describe(tops[0]!)}); spikeloco imports one robot`, src);

  const links: RawLink[] = [];
  const joints: RawJoint[] = [];
  const linkByName = new Map<string, number>();
  const jointEls = new Map<string, { el: XmlElement; index: number }>();
  const walk = (el: XmlElement, parent: number, parentPose: Pose) => {
    const name = el.attrs.name ?? `body${links.length}`;
    if (linkByName.has(name)) fail(el, `duplicate body name '${name}'`, src);
    const a = resolved(el, "body", ctx);
    const pose = composePose(parentPose, frameOf(a, el, ctx));
    const inertialEl = childNamed(el, "inertial");
    const inertial = inertialEl && ctx.inertiaFromGeom !== "true" ? parseInertial(inertialEl, ctx) : undefined;
    if (!inertialEl && ctx.inertiaFromGeom === "false") fail(el, "inertiafromgeom is false but the body has no <inertial>", src);
    const geoms: RawGeom[] = [];
    const visual: RawGeom[] = [];
    for (const g of childrenNamed(el, "geom")) {
      const parsed = parseGeom(g, ctx);
      if (!parsed) continue;
      // with an explicit <inertial> (and inertiafromgeom auto/false) geoms carry no mass
      if (inertial || ctx.inertiaFromGeom === "false") parsed.geom.density = undefined;
      (parsed.collide ? geoms : visual).push(parsed.geom);
    }
    const index = links.length;
    links.push({ name, where: describe(el), pose, geoms, inertial: withVisualMass(inertial, visual, src) });
    linkByName.set(name, index);

    const js = [...childrenNamed(el, "joint"), ...childrenNamed(el, "freejoint")];
    const moving = js.filter((j) => {
      const t = j.tag === "freejoint" ? "free" : (resolved(j, "joint", ctx).type ?? "hinge");
      if (t === "free") {
        if (parent >= 0) fail(j, "a free joint is only allowed on the root body", src);
        return false;
      }
      if (t === "ball") fail(j, "unsupported joint type 'ball' (hinge, slide, or free on the root)", src);
      if (t !== "hinge" && t !== "slide") fail(j, `unsupported joint type '${t}' (hinge, slide, or free on the root)`, src);
      return true;
    });
    if (parent < 0) {
      if (moving.length > 0) fail(moving[0]!, "the root body may only have a free joint (spikeloco's root is always free)", src);
      if (js.length === 0) ctx.warnings.push(`${describe(el)}: the root body has no free joint in the file; spikeloco frees it`);
    } else {
      if (moving.length > 1) fail(moving[1]!, `body '${name}' has ${moving.length} joints; spikeloco supports one joint per body (split it into nested bodies)`, src);
      const j = moving[0];
      if (!j) {
        joints.push({ name: `${name}_weld`, where: describe(el), type: "fixed", parent, child: index, anchor: [...pose.p], axis: [1, 0, 0], actuated: false });
      } else {
        const ja = resolved(j, "joint", ctx);
        const type = (ja.type ?? "hinge") === "hinge" ? "revolute" : "prismatic";
        const jname = j.attrs.name;
        if (!jname) fail(j, "missing attribute name (actuators refer to joints by name)", src);
        if (jointEls.has(jname)) fail(j, `duplicate joint name '${jname}'`, src);
        const anchor = at(pose, vec(ja, "pos", j, ctx, [0, 0, 0]));
        const axisLocal = vec(ja, "axis", j, ctx, [0, 0, 1]);
        const m = matFromQuat(pose.q);
        const axis: Vec3 = [0, 1, 2].map((r) => m[r]![0]! * axisLocal[0] + m[r]![1]! * axisLocal[1] + m[r]![2]! * axisLocal[2]) as Vec3;
        const range = nums(ja, "range", j, ctx, 2);
        const limitedAttr = ja.limited ?? "auto";
        const limited = limitedAttr === "true" || (limitedAttr === "auto" && ctx.autolimits && range !== undefined);
        if (limitedAttr === "true" && !range) fail(j, "limited but no range", src);
        const conv = (v: number) => (type === "revolute" ? angle(v, ctx) : v);
        const limits: [number, number] | undefined = limited && range ? [conv(range[0]!), conv(range[1]!)] : undefined;
        if (limits && !(limits[0] < limits[1])) fail(j, `range must satisfy lower < upper, got ${range!.join(" ")}`, src);
        if (limits && !(limits[0] <= 0 && limits[1] >= 0)) ctx.warnings.push(`${describe(j)}: the rest angle 0 lies outside the range`);
        const ref = nums(ja, "ref", j, ctx, 1)?.[0] ?? 0;
        if (ref !== 0) ctx.warnings.push(`${describe(j)}: ref ${ref} ignored (the body's rest pose is the file's)`);
        jointEls.set(jname, { el: j, index: joints.length });
        const armature = options.armature ?? nums(ja, "armature", j, ctx, 1)?.[0] ?? 0;
        if (!(armature >= 0)) fail(j, `armature must be >= 0, got ${armature}`, src);
        joints.push({ name: jname, where: describe(j), type, parent, child: index, anchor, axis, limits, damping: nums(ja, "damping", j, ctx, 1)?.[0], armature, actuated: false });
      }
    }
    for (const c of childrenNamed(el, "body")) walk(c, index, pose);
  };
  walk(tops[0]!, -1, { p: [0, 0, 0], q: [0, 0, 0, 1] });
  // the robot frame starts at the root body's origin (world-aligned; a rotated root keeps its rotation baked in)
  const base = links[0]!.pose;
  for (const l of links) l.pose = { p: [l.pose.p[0] - base.p[0], l.pose.p[1] - base.p[1], l.pose.p[2] - base.p[2]], q: l.pose.q };
  for (const j of joints) j.anchor = [j.anchor[0] - base.p[0], j.anchor[1] - base.p[1], j.anchor[2] - base.p[2]];

  // actuators
  const actuatorEl = childNamed(root, "actuator");
  const byJoint = new Map<string, XmlElement>();
  for (const act of actuatorEl?.children ?? []) {
    if (!ACTUATOR_TAGS.includes(act.tag)) fail(act, `unknown actuator <${act.tag}>`, src);
    const a = { ...(ctx.defaults.get(act.attrs.class ?? "main")?.[`actuator:${act.tag}`] ?? ctx.defaults.get(act.attrs.class ?? "main")?.actuator ?? {}), ...act.attrs };
    if (act.attrs.class && !ctx.defaults.has(act.attrs.class)) fail(act, `unknown default class '${act.attrs.class}'`, src);
    const jname = a.joint;
    if (!jname) fail(act, "only joint actuators are supported (no joint attribute)", src);
    const target = jointEls.get(jname);
    if (!target) fail(act, `actuates an unknown joint '${jname}'`, src);
    if (byJoint.has(jname)) {
      ctx.warnings.push(`${describe(act)}: joint '${jname}' already has an actuator; this one is ignored`);
      continue;
    }
    const j = joints[target.index]!;
    if (act.tag === "motor" || act.tag === "general") {
      const gear = Math.abs(nums(a, "gear", act, ctx)?.[0] ?? 1);
      const ctrl = nums(a, "ctrlrange", act, ctx, 2);
      const force = nums(a, "forcerange", act, ctx, 2);
      const ctrlLimited = a.ctrllimited === "true" || (a.ctrllimited !== "false" && ctx.autolimits && ctrl !== undefined);
      const forceLimited = a.forcelimited === "true" || (a.forcelimited !== "false" && ctx.autolimits && force !== undefined);
      let effort = ctrlLimited && ctrl ? gear * Math.max(Math.abs(ctrl[0]!), Math.abs(ctrl[1]!)) : Infinity;
      if (forceLimited && force) effort = Math.min(effort, Math.max(Math.abs(force[0]!), Math.abs(force[1]!)));
      if (act.tag === "general") ctx.warnings.push(`${describe(act)}: <general> read as a motor (gear ${gear})`);
      j.effort = Number.isFinite(effort) ? effort : undefined;
    } else if (act.tag === "position") {
      j.kp = nums(a, "kp", act, ctx, 1)?.[0] ?? 1;
      j.kd = nums(a, "kv", act, ctx, 1)?.[0] ?? 0;
      if (!(j.kp > 0)) fail(act, `kp must be > 0, got ${j.kp}`, src);
      const force = nums(a, "forcerange", act, ctx, 2);
      const forceLimited = a.forcelimited === "true" || (a.forcelimited !== "false" && ctx.autolimits && force !== undefined);
      if (forceLimited && force) j.effort = Math.max(Math.abs(force[0]!), Math.abs(force[1]!));
      const gear = nums(a, "gear", act, ctx)?.[0] ?? 1;
      if (gear !== 1) ctx.warnings.push(`${describe(act)}: gear ${gear} ignored for a position actuator`);
    } else {
      ctx.warnings.push(`${describe(act)}: <${act.tag}> actuators are not supported; joint '${jname}' is passive`);
      continue;
    }
    byJoint.set(jname, act);
  }
  const movingNames = joints.filter((j) => j.type !== "fixed").map((j) => j.name);
  let actuated: Set<string>;
  if (options.actuated) {
    for (const n of options.actuated) if (!movingNames.includes(n)) throw new SpikelocoError(`'${n}' is not a moving joint of the robot (known: ${movingNames.join(", ")})`, `${src}: actuated`);
    actuated = new Set(options.actuated);
  } else if (byJoint.size > 0) {
    actuated = new Set(byJoint.keys());
  } else {
    actuated = new Set(movingNames);
    if (movingNames.length) ctx.warnings.push("no joint actuators in the file: every joint is actuated with default gains");
  }
  for (const j of joints) j.actuated = j.type !== "fixed" && actuated.has(j.name);
  const passive = movingNames.filter((n) => !actuated.has(n));
  if (passive.length) ctx.warnings.push(`passive (unactuated) joints keep kp 0 and stay in the action space: ${passive.join(", ")}`);

  // contact exclusions: checked, and always satisfied (no self-collision)
  const contact = childNamed(root, "contact");
  for (const c of contact?.children ?? []) {
    if (c.tag === "exclude") {
      for (const k of ["body1", "body2"]) {
        const b = c.attrs[k];
        if (!b) fail(c, `missing attribute ${k}`, src);
        if (!linkByName.has(b)) fail(c, `${k} names an unknown body '${b}'`, src);
      }
    } else {
      ctx.warnings.push(`${describe(c)}: ignored (spikeloco robots collide only with the ground)`);
    }
  }

  // feet and leg names written by exportMjcf
  const custom = new Map<string, string>();
  for (const c of childNamed(root, "custom")?.children ?? []) if (c.tag === "text" && c.attrs.name) custom.set(c.attrs.name, c.attrs.data ?? "");
  const split = (v: string | undefined) => (v === undefined ? undefined : v.split(/\s+/).filter(Boolean));
  const result = assemble(links, joints, { name: options.name ?? root.attrs.model ?? "robot", source: src, feet: options.feet ?? split(custom.get("spikeloco.feet")), gains: options.gains }, ctx.warnings);
  for (const c of childNamed(root, "custom")?.children ?? []) {
    const m = c.tag === "numeric" ? /^spikeloco\.maxVelocity\.(.+)$/.exec(c.attrs.name ?? "") : null;
    const j = m ? result.robot.joints.find((x) => x.name === m[1]) : undefined;
    if (j) j.maxVelocity = parseNumbers(c.attrs.data ?? "", c, "data", src, 1)[0]!;
  }
  const legNames = split(custom.get("spikeloco.legs"));
  if (legNames && legNames.length === result.robot.legs.length) result.robot.legs.forEach((l, i) => (l.name = legNames[i]!));
  return result;
}

/** Visual (non-colliding) geoms still carry mass in MuJoCo: fold it into the link's inertial. */
function withVisualMass(inertial: MassProps | undefined, visual: RawGeom[], src: string): MassProps | undefined {
  const massive = visual.filter((g) => g.density !== undefined && g.density > 0);
  if (massive.length === 0) return inertial;
  throw new SpikelocoError(`${massive[0]!.where}: a non-colliding geom with mass is not supported (give it density="0" or let it collide)`, src);
}

function findDeep(el: XmlElement, tag: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.tag === tag) return c;
    const d = findDeep(c, tag);
    if (d) return d;
  }
  return undefined;
}
