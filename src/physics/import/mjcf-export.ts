/**
 * RobotDescription -> MJCF that importMjcf reads back into the same description (and MuJoCo compiles):
 * bodies nested along the joint tree with positions relative to the parent, hinge/slide joints, position
 * actuators with the PD gains and torque limits, density geoms or explicit <inertial>s, convex geoms as
 * inline-vertex meshes; feet, leg names and joint velocity limits in <custom>. Numbers are written at full precision.
 */
import type { RobotDescription, ShapeDescription } from "../robot.ts";

const n = (v: number) => String(v);
const v3 = (v: readonly number[]) => v.map(n).join(" ");

export interface ExportOptions {
  /** Physics step written to <option timestep>. */
  timestep?: number;
  /** Height of the root body above the floor (default: the rest height). */
  rootHeight?: number;
}

export function exportMjcf(robot: RobotDescription, options: ExportOptions = {}): string {
  const children = new Map<number, number[]>();
  const jointOf = new Map<number, number>();
  robot.joints.forEach((j, i) => {
    children.set(j.parent, [...(children.get(j.parent) ?? []), j.child]);
    jointOf.set(j.child, i);
  });
  const meshes: string[] = [];
  const geomXml = (s: ShapeDescription, density: number, friction: number, id: string): string => {
    const common = `density="${n(density)}" friction="${n(friction)} 0.005 0.0001"`;
    switch (s.kind) {
      case "sphere":
        return `<geom type="sphere" size="${n(s.radius)}" pos="${v3(s.center)}" ${common}/>`;
      case "box":
        return `<geom type="box" size="${v3(s.halfExtents)}" pos="${v3(s.center)}" ${common}/>`;
      case "capsule":
      case "cylinder":
        return `<geom type="${s.kind}" size="${n(s.radius)}" fromto="${v3(s.from)} ${v3(s.to)}" ${common}/>`;
      case "convex":
        meshes.push(`    <mesh name="${id}" vertex="${s.points.map(v3).join("  ")}"/>`);
        return `<geom type="mesh" mesh="${id}" ${common}/>`;
    }
  };
  const bodyXml = (b: number, parentPos: readonly number[], indent: string): string => {
    const body = robot.bodies[b]!;
    const rel = b === 0 ? [0, 0, options.rootHeight ?? robot.spawnHeight] : body.position.map((v, k) => v - parentPos[k]!);
    const lines = [`${indent}<body name="${body.name}" pos="${v3(rel)}">`];
    if (b === 0) lines.push(`${indent}  <freejoint name="root"/>`);
    const ji = jointOf.get(b);
    if (ji !== undefined) {
      const j = robot.joints[ji]!;
      const anchor = j.anchor.map((v, k) => v - body.position[k]!);
      const damping = j.kp > 0 ? "" : ` damping="${n(j.kd)}"`;
      lines.push(`${indent}  <joint name="${j.name}" type="${j.type === "prismatic" ? "slide" : "hinge"}" pos="${v3(anchor)}" axis="${v3(j.axis)}" range="${n(j.limits[0])} ${n(j.limits[1])}"${damping}/>`);
    }
    if (body.inertial) {
      const t = body.inertial.inertia;
      lines.push(`${indent}  <inertial pos="${v3(body.inertial.com)}" mass="${n(body.inertial.mass)}" fullinertia="${v3(t)}"/>`);
    }
    body.geoms.forEach((g, gi) => lines.push(`${indent}  ${geomXml(g.shape, g.density, g.friction, `${body.name}_${gi}`)}`));
    for (const c of children.get(b) ?? []) lines.push(bodyXml(c, body.position, indent + "  "));
    lines.push(`${indent}</body>`);
    return lines.join("\n");
  };
  const bodies = bodyXml(0, [0, 0, 0], "    ");
  const actuators = robot.joints
    .filter((j) => j.kp > 0)
    .map((j) => `    <position name="${j.name}" joint="${j.name}" kp="${n(j.kp)}" kv="${n(j.kd)}" forcerange="${n(-j.maxTorque)} ${n(j.maxTorque)}" ctrlrange="${n(j.limits[0])} ${n(j.limits[1])}"/>`)
    .join("\n");
  const feet = robot.feet.map((f) => robot.bodies[f.body]!.name).join(" ");
  const legs = robot.legs.map((l) => l.name).join(" ");
  return `<mujoco model="${robot.name}">
  <compiler angle="radian" autolimits="true"/>
  <custom>
    <text name="spikeloco.feet" data="${feet}"/>
    <text name="spikeloco.legs" data="${legs}"/>
${robot.joints.filter((j) => j.maxVelocity !== undefined).map((j) => `    <numeric name="spikeloco.maxVelocity.${j.name}" data="${n(j.maxVelocity!)}"/>\n`).join("")}  </custom>
  <option timestep="${n(options.timestep ?? 0.01)}" integrator="implicitfast"/>
${meshes.length ? `  <asset>\n${meshes.join("\n")}\n  </asset>\n` : ""}  <worldbody>
    <geom name="floor" type="plane" size="100 100 0.1"/>
${bodies}
  </worldbody>
  <actuator>
${actuators}
  </actuator>
</mujoco>
`;
}
