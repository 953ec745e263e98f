import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ant } from "../../envs/ant.ts";
import { hexapod } from "../../envs/hexapod.ts";
import { makeEnv } from "../../envs/index.ts";
import { importMjcf } from "../../src/physics/import/mjcf.ts";
import { exportMjcf } from "../../src/physics/import/mjcf-export.ts";
import { loadRobotFile, summarize } from "../../src/physics/import/load.ts";
import { importUrdf } from "../../src/physics/import/urdf.ts";
import type { RobotDescription } from "../../src/physics/robot.ts";
import { robotMass } from "../../src/physics/robot.ts";

const fixture = (name: string) => new URL(`../../envs/robots/${name}`, import.meta.url).pathname;
const text = (name: string) => readFileSync(fixture(name), "utf8");

/** Deep equality with a tolerance on numbers; reports the first differing path. */
function diff(a: unknown, b: unknown, tol: number, path = "robot"): string | undefined {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= tol ? undefined : `${path}: ${a} vs ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], tol, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join(",")} vs ${kb.join(",")}`;
    for (const k of ka) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
}

describe("URDF import", () => {
  it("reads the quadruped fixture: fixed feet merged, transmissions, rest height from the geometry", () => {
    const r = loadRobotFile(fixture("quadruped.urdf"));
    const s = summarize(r);
    expect(s).toMatchObject({ name: "quadruped", bodies: 13, joints: 12, actuated: 12, warnings: [] });
    expect(s.feet).toEqual(["FL_calf", "FR_calf", "RL_calf", "RR_calf"]);
    expect(s.mass).toBeCloseTo(4 + 4 * (0.3 + 0.5 + 0.2 + 0.05), 9);
    // thigh 0.7 rad back, calf 0.7 rad forward (net), 0.2 m each, foot sphere r 0.025
    expect(s.rest_height).toBeCloseTo(0.4 * Math.cos(0.7) + 0.025, 9);
    expect(r.robot.legs.map((l) => l.name)).toEqual(["FL", "FR", "RL", "RR"]);
    expect(r.robot.legs[0]!.joints.map((j) => r.robot.joints[j]!.name)).toEqual(["FL_hip_joint", "FL_thigh_joint", "FL_calf_joint"]);
    // the hip cylinder's inertial is rotated 90° about x: its axis (izz 0.00024) now lies along y; armature 0.001/kg is added
    const hip = r.robot.bodies.find((b) => b.name === "FL_hip")!;
    const arm = 0.001 * s.mass;
    expect(hip.inertial!.inertia[1]).toBeCloseTo(0.00024 + arm, 8);
    expect(hip.inertial!.inertia[0]).toBeCloseTo(0.0001825 + arm, 8);
    // kp from the effort limit (20 N·m saturating at 0.15 rad), kd = kp / 100
    expect(r.robot.joints[0]).toMatchObject({ kp: 20 / 0.15, maxTorque: 20, maxVelocity: 20 });
    expect(r.robot.joints[0]!.kd).toBeCloseTo(0.2 / 0.15, 12);
    // the thigh axis is y in the pitched joint frame, which stays y in the world
    expect(r.robot.joints[1]!.axis[1]).toBeCloseTo(1, 12);
  });

  it("reads the hexapod fixture: yawed leg frames, leg names from the common prefix", () => {
    const r = loadRobotFile(fixture("hexapod.urdf"));
    const s = summarize(r);
    expect(s).toMatchObject({ name: "hexapod18", bodies: 19, joints: 18, actuated: 18 });
    expect(s.mass).toBeCloseTo(3, 9);
    expect(s.rest_height).toBeCloseTo(0.18 * Math.sin(1.2) + 0.02, 9);
    expect(r.robot.legs.map((l) => l.name)).toEqual(["lf", "lm", "lr", "rf", "rm", "rr"]);
    // left legs yawed +90°: the femur pitch axis (local y) is world -x
    const femur = r.robot.joints.find((j) => j.name === "femur_joint_lf")!;
    expect(femur.axis[0]).toBeCloseTo(-1, 5);
  });

  it("options choose feet, actuated joints and gains", () => {
    const r = importUrdf(text("quadruped.urdf"), { feet: ["FL_foot", "FR_foot"], actuated: ["FL_hip_joint"], gains: { kp: 50, kd: 1 } });
    expect(r.robot.feet.map((f) => r.robot.bodies[f.body]!.name)).toEqual(["FL_calf", "FR_calf"]);
    expect(r.actuated).toEqual(["FL_hip_joint"]);
    expect(r.robot.joints[0]).toMatchObject({ kp: 50, kd: 1 });
    expect(r.robot.joints[1]!.kp).toBe(0);
    expect(r.warnings.join()).toMatch(/passive/);
  });

  it("reads STL meshes as convex hulls (package:// paths below the robot's folder)", () => {
    const dir = mkdtempSync(join(tmpdir(), "spk-mesh-"));
    writeFileSync(join(dir, "cube.stl"), cubeStl(0.05));
    const urdf = quadWithMeshFoot("package://mybot/cube.stl");
    writeFileSync(join(dir, "bot.urdf"), urdf);
    const r = loadRobotFile(join(dir, "bot.urdf"));
    const foot = r.robot.bodies[r.robot.feet[0]!.body]!;
    const hull = foot.geoms[foot.geoms.length - 1]!.shape;
    expect(hull.kind).toBe("convex");
    expect(hull.kind === "convex" && hull.points.length).toBe(8);
    // the cube's lowest face is the foot: 0.05 below the link origin
    expect(r.robot.spawnHeight).toBeCloseTo(0.3 + 0.05, 6); // STL stores float32
  });

  it("a mesh without its file is an error unless the bounding-primitive fallback is asked for", () => {
    const urdf = quadWithMeshFoot("meshes/missing.stl");
    expect(() => importUrdf(urdf, { source: "bot.urdf" })).toThrow(/bot\.urdf: <mesh> \(line \d+\): mesh file 'meshes\/missing\.stl' not found/);
    const r = importUrdf(urdf, { meshFallback: "bounds" });
    expect(r.warnings.join()).toMatch(/missing\.stl' not found; using link 'foot0''s inertia-equivalent box/);
    const foot = r.robot.bodies[r.robot.feet[0]!.body]!;
    const box = foot.geoms[foot.geoms.length - 1]!.shape;
    // a solid cube of side a has I = m a² / 6 about each axis: the fallback box recovers a = 0.1
    expect(box.kind === "box" && box.halfExtents.map((v) => +v.toFixed(9))).toEqual([0.05, 0.05, 0.05]);
  });
});

describe("MJCF import", () => {
  it("the MJCF Ant fixture is the built-in Ant (degrees, default classes, childclass, fromto, position actuators)", () => {
    const r = importMjcf(text("ant.xml"), { source: "ant.xml" });
    expect(r.warnings).toEqual([]);
    expect(diff(r.robot, ant.robot, 1e-9)).toBeUndefined();
  });

  it("exporting a robot to MJCF and importing it back gives the same description", () => {
    const quad = loadRobotFile(fixture("quadruped.urdf")).robot;
    for (const robot of [ant.robot, hexapod.robot, quad]) {
      const back = importMjcf(exportMjcf(robot)).robot;
      expect(diff(back, robot, 1e-12), robot.name).toBeUndefined();
    }
  });

  it("motor gear and ctrlrange set the torque limit; slide joints and ellipsoids import", () => {
    const xml = `<mujoco model="m"><compiler angle="radian"/>
      <worldbody><body name="base" pos="0 0 1"><freejoint/><geom type="ellipsoid" size="0.2 0.1 0.05" density="100"/>
        <body name="leg" pos="0 0 0"><joint name="slide" type="slide" axis="0 0 1" range="-0.1 0.1"/>
          <geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.02"/></body></body></worldbody>
      <actuator><motor joint="slide" gear="40" ctrlrange="-1 1"/></actuator></mujoco>`;
    const r = importMjcf(xml);
    expect(r.robot.joints[0]).toMatchObject({ type: "prismatic", maxTorque: 40, kp: 40 / 0.015 });
    const base = r.robot.bodies[0]!;
    expect(base.geoms[0]!.shape.kind).toBe("convex");
    // ellipsoid mass 100 · 4/3 π abc, inertia m(b²+c²)/5 about x
    const m = 100 * (4 / 3) * Math.PI * 0.2 * 0.1 * 0.05;
    expect(base.inertial!.mass).toBeCloseTo(m, 12);
    expect(base.inertial!.inertia[0]).toBeCloseTo((m * (0.01 + 0.0025)) / 5, 12);
    expect(robotMass(r.robot)).toBeCloseTo(m + 1000 * (Math.PI * 0.0004 * 0.3 + (4 / 3) * Math.PI * 0.02 ** 3), 9);
  });
});

describe("makeEnv('legged')", () => {
  it("takes its spaces, healthy range and docs from the robot, and accepts a description object", async () => {
    const env = await makeEnv("legged", { robot: fixture("quadruped.urdf") });
    expect(env.actionSpace.shape).toEqual([12]);
    expect(env.observationSpace.shape).toEqual([11 + 24 + 4]);
    expect(env.actionSpace.names[0]).toBe("FL_hip_joint");
    env.close();
    const fromObject = await makeEnv("legged", { robot: JSON.parse(JSON.stringify(ant.robot)) as RobotDescription, gains: { kp: 100 } });
    expect(fromObject.robot.joints.every((j) => j.kp === 100 && j.kd === 2)).toBe(true);
    fromObject.close();
    const { envDefinition } = await import("../../envs/index.ts");
    const def = envDefinition("legged", { robot: fixture("hexapod.urdf") });
    const h = def.robot.spawnHeight;
    expect(def.defaults.healthyZRange[0]).toBeCloseTo(0.4 * h, 12);
    expect(def.defaults.healthyZRange[1]).toBeCloseTo(2 * h, 12);
    expect(def.docs).toContain("tibia_joint_rr");
    await expect(makeEnv("ant", { robot: fixture("hexapod.urdf") })).rejects.toThrow(/only the 'legged' env takes a robot/);
    await expect(makeEnv("legged", {})).rejects.toThrow(/needs a robot/);
  });

  it("a prismatic joint follows its position target and is observed in metres", async () => {
    const env = await makeEnv("legged", { robot: pogoRobot(), resetNoiseScale: 0, terminateWhenUnhealthy: false });
    const heights: number[] = [];
    for (const a of [1, -1]) {
      env.reset({ seed: 0 });
      const action = new Float32Array(4).fill(a);
      let obs = env.step(action).obs;
      for (let t = 0; t < 40; t++) obs = env.step(action).obs;
      const jp = env.observationGroups.jointPos!.map((i) => obs[i]!);
      for (const v of jp) expect(v).toBeCloseTo(0.05 * a, 2);
      heights.push(obs[0]!);
    }
    // feet retracted (+0.05 each) lower the body by 0.1 relative to extended (-0.05)
    expect(heights[0]! - heights[1]!).toBeCloseTo(-0.1, 2);
    env.close();
  });
});

describe("bad input names the element", () => {
  const minimal = (body: string) => `<?xml version="1.0"?>\n<robot name="r">\n${body}\n</robot>`;
  const base = `<link name="base"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1"/></inertial></link>`;
  const leg = (name: string, parent = "base", type = "revolute", mass = "0.1") =>
    `<link name="${name}"><inertial><mass value="${mass}"/><inertia ixx="0.01" iyy="0.01" izz="0.01"/></inertial><collision><geometry><sphere radius="0.02"/></geometry></collision></link>
<joint name="j_${name}" type="${type}"><parent link="${parent}"/><child link="${name}"/><origin xyz="0 0 -0.3"/><limit lower="-1" upper="1" effort="5" velocity="5"/></joint>`;

  it("malformed XML: the parser's line", () => {
    expect(() => importUrdf(`<robot name="r">\n<link name="a">\n</robot>`, { source: "bad.urdf" })).toThrow(/bad\.urdf: malformed XML: .*3:/);
    expect(() => importMjcf(`<mujoco><worldbody><body></mujoco>`)).toThrow(/malformed XML/);
  });

  it("missing links, cycles, several roots", () => {
    expect(() => importUrdf(minimal(`${base}\n<joint name="j" type="revolute"><parent link="base"/><child link="ghost"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>`))).toThrow(
      /<child> \(line 4\): missing link 'ghost'/,
    );
    const cycle = minimal(`${base}\n${leg("a")}\n${leg("b", "a")}\n<joint name="back" type="fixed"><parent link="b"/><child link="base"/></joint>`);
    expect(() => importUrdf(cycle)).toThrow(/cycle/);
    const twoParents = minimal(`${base}\n${leg("a")}\n<joint name="again" type="fixed"><parent link="base"/><child link="a"/></joint>`);
    expect(() => importUrdf(twoParents)).toThrow(/<joint name="again"> \(line \d+\): link 'a' already has a parent joint/);
    expect(() => importUrdf(minimal(`${base}\n<link name="loose"/>`))).toThrow(/more than one root link \(base, loose\)/);
  });

  it("zero or negative mass", () => {
    expect(() => importUrdf(minimal(`${base}\n${leg("a", "base", "revolute", "0")}`))).toThrow(/<mass> \(line \d+\): mass must be > 0, got 0/);
    expect(() => importUrdf(minimal(`${base}\n${leg("a", "base", "revolute", "-2")}`))).toThrow(/mass must be > 0, got -2/);
    const massless = minimal(`${base}\n<link name="a"><collision><geometry><sphere radius="0.02"/></geometry></collision></link>\n<joint name="j" type="revolute"><parent link="base"/><child link="a"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>`);
    expect(() => importUrdf(massless)).toThrow(/<link name="a"> \(line \d+\): moves as a body but has zero mass/);
    expect(() => importMjcf(`<mujoco><worldbody><body name="b"><freejoint/><geom size="0.1" density="0"/></body></worldbody></mujoco>`)).toThrow(/<body name="b"> \(line 1\): moves as a body but has zero mass/);
  });

  it("unsupported joint types", () => {
    expect(() => importUrdf(minimal(`${base}\n${leg("a", "base", "floating")}`))).toThrow(/<joint name="j_a"> \(line \d+\): unsupported joint type 'floating'/);
    const ball = `<mujoco><worldbody><body name="t"><freejoint/><geom size="0.1"/>\n<body name="l"><joint name="b" type="ball"/><geom size="0.05"/></body></body></worldbody></mujoco>`;
    expect(() => importMjcf(ball)).toThrow(/<joint name="b"> \(line 2\): unsupported joint type 'ball'/);
    const free = `<mujoco><worldbody><body name="t"><freejoint/><geom size="0.1"/>\n<body name="l"><freejoint/><geom size="0.05"/></body></body></worldbody></mujoco>`;
    expect(() => importMjcf(free)).toThrow(/<freejoint> \(line 2\): a free joint is only allowed on the root body/);
  });

  it("unknown classes, joints and bodies in MJCF", () => {
    const m = (inner: string, extra = "") => `<mujoco><worldbody><body name="t"><freejoint/><geom size="0.1"/><body name="l" pos="0 0 -0.2"><joint name="h"/><geom size="0.05"/>${inner}</body></body></worldbody>${extra}</mujoco>`;
    expect(() => importMjcf(m(`<geom class="nope" size="0.01"/>`))).toThrow(/<geom> \(line 1\): unknown default class 'nope'/);
    expect(() => importMjcf(m("", `<actuator><motor joint="zz"/></actuator>`))).toThrow(/<motor> \(line 1\): actuates an unknown joint 'zz'/);
    expect(() => importMjcf(m("", `<contact><exclude body1="t" body2="ghost"/></contact>`))).toThrow(/<exclude> \(line 1\): body2 names an unknown body 'ghost'/);
  });
});

/** A quadruped whose feet are a mesh (each a 0.1 m cube in the link below a 0.3 m leg). */
function quadWithMeshFoot(file: string): string {
  const legs = [0, 1, 2, 3]
    .map((i) => {
      const x = i < 2 ? 0.2 : -0.2;
      const y = i % 2 ? -0.1 : 0.1;
      return `<link name="leg${i}"><inertial><mass value="0.2"/><inertia ixx="0.001" iyy="0.001" izz="0.001"/></inertial></link>
<joint name="hip${i}" type="revolute"><origin xyz="${x} ${y} 0"/><parent link="base"/><child link="leg${i}"/><axis xyz="0 1 0"/><limit lower="-0.5" upper="0.5" effort="10" velocity="10"/></joint>
<link name="foot${i}"><inertial><mass value="0.6"/><inertia ixx="0.001" iyy="0.001" izz="0.001"/></inertial><collision><geometry><mesh filename="${file}"/></geometry></collision></link>
<joint name="ankle${i}" type="fixed"><origin xyz="0 0 -0.3"/><parent link="leg${i}"/><child link="foot${i}"/></joint>`;
    })
    .join("\n");
  return `<robot name="meshbot"><link name="base"><inertial><mass value="2"/><inertia ixx="0.01" iyy="0.01" izz="0.01"/></inertial><collision><geometry><box size="0.5 0.3 0.1"/></geometry></collision></link>\n${legs}\n</robot>`;
}

/** Binary STL of an axis-aligned cube of half side h (12 triangles, outward normals). */
function cubeStl(h: number): Uint8Array {
  const v = (i: number): [number, number, number] => [i & 1 ? h : -h, i & 2 ? h : -h, i & 4 ? h : -h];
  const faces: Array<[number, number, number, number]> = [
    [0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5],
  ];
  const tris: number[][] = [];
  for (const [a, b, c, d] of faces) tris.push([a, b, c], [a, c, d]);
  const buf = new DataView(new ArrayBuffer(84 + tris.length * 50));
  buf.setUint32(80, tris.length, true);
  tris.forEach((t, k) => t.forEach((vi, j) => v(vi).forEach((c, m) => buf.setFloat32(84 + k * 50 + 12 + j * 12 + m * 4, c, true))));
  return new Uint8Array(buf.buffer);
}

/** A box on four prismatic (vertical) legs with sphere feet, as a description object. */
function pogoRobot(): RobotDescription {
  const urdfLegs = [0, 1, 2, 3]
    .map((i) => {
      const x = i < 2 ? 0.2 : -0.2;
      const y = i % 2 ? -0.15 : 0.15;
      return `<link name="leg${i}"><inertial><mass value="0.2"/><inertia ixx="0.001" iyy="0.001" izz="0.001"/></inertial><collision><origin xyz="0 0 -0.2"/><geometry><sphere radius="0.03"/></geometry></collision></link>
<joint name="slide${i}" type="prismatic"><origin xyz="${x} ${y} -0.05"/><parent link="base"/><child link="leg${i}"/><axis xyz="0 0 1"/><limit lower="-0.05" upper="0.05" effort="100" velocity="1"/></joint>`;
    })
    .join("\n");
  const urdf = `<robot name="pogo"><link name="base"><inertial><mass value="2"/><inertia ixx="0.02" iyy="0.05" izz="0.06"/></inertial><collision><geometry><box size="0.5 0.4 0.1"/></geometry></collision></link>\n${urdfLegs}\n</robot>`;
  return importUrdf(urdf).robot;
}
