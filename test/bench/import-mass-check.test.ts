import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRobotFile } from "../../src/physics/import/load.ts";
import { importMjcf } from "../../src/physics/import/mjcf.ts";
import { mujocoMassCheck } from "../../src/bench/mujoco-mass-check.ts";
import { principalInertia } from "../../src/physics/robot.ts";

const fixture = (name: string) => new URL(`../../envs/robots/${name}`, import.meta.url).pathname;

/** Every geom kind, orientation attribute and mass source the importer reads, in one robot. */
const ZOO = `<mujoco model="zoo">
  <compiler angle="degree" eulerseq="zyx"/>
  <default><geom density="800"/><default class="heavy"><geom density="2000"/></default></default>
  <worldbody>
    <body name="base" pos="0 0 0.5" euler="10 0 0">
      <freejoint/>
      <geom type="box" size="0.2 0.1 0.05" euler="0 0 30"/>
      <geom type="ellipsoid" size="0.05 0.08 0.03" pos="0.1 0 0.05" class="heavy"/>
      <body name="arm" pos="0.2 0 0" axisangle="0 1 0 20">
        <joint name="shoulder" axis="0 1 0" range="-45 45"/>
        <geom type="cylinder" fromto="0 0 0 0.1 0 -0.2" size="0.02"/>
        <geom type="capsule" size="0.015 0.05" pos="0.1 0 -0.2" quat="0.9238795 0 0.3826834 0" mass="0.07"/>
        <body name="hand" pos="0.1 0 -0.25">
          <geom type="sphere" size="0.03"/>
        </body>
      </body>
      <body name="tail" pos="-0.2 0 0" zaxis="1 0 1">
        <joint name="wag" type="slide" axis="0 0 1" range="-0.02 0.02"/>
        <inertial pos="0 0 -0.1" mass="0.3" fullinertia="0.003 0.003 0.002 0.0002 0 0"/>
        <geom type="box" size="0.02 0.02 0.1" pos="0 0 -0.1"/>
      </body>
    </body>
  </worldbody>
</mujoco>`;

describe("masses and inertias agree with MuJoCo's compile of the same file (within 1%)", () => {
  it("the MJCF Ant fixture, body by body", async () => {
    const text = readFileSync(fixture("ant.xml"), "utf8");
    const check = await mujocoMassCheck(text, importMjcf(text).robot);
    expect(check.bodies).toHaveLength(9);
    expect(check.maxRelError).toBeLessThan(1e-5); // Rapier stores float32
    expect(check.totalMass.mujoco).toBeCloseTo(0.91088, 4);
  });

  it("boxes, rotated boxes, ellipsoids, cylinders, capsules with mass, explicit full inertia, a welded body", async () => {
    const robot = importMjcf(ZOO).robot;
    expect(robot.bodies.map((b) => b.name)).toEqual(["base", "arm", "tail"]);
    const check = await mujocoMassCheck(ZOO, robot);
    expect(check.merged).toEqual(["hand"]);
    expect(check.bodies.map((b) => b.body)).toEqual(["base", "tail"]);
    for (const b of check.bodies) expect(b.maxRelError, b.body).toBeLessThan(0.01);
    expect(Math.abs(check.totalMass.spikeloco - check.totalMass.mujoco) / check.totalMass.mujoco).toBeLessThan(0.01);
  });

  it("the URDF quadruped compiled by MuJoCo's URDF reader (without the armature spikeloco adds)", async () => {
    const path = fixture("quadruped.urdf");
    const robot = loadRobotFile(path, { armature: 0 }).robot;
    const check = await mujocoMassCheck(readFileSync(path, "utf8"), robot, "urdf");
    // MuJoCo fixes a URDF's root to the world; the 12 leg bodies (feet fused into calves) compare
    expect(check.bodies).toHaveLength(12);
    expect(check.maxRelError).toBeLessThan(0.01);
  });

  it("the hexapod's tibia (a rotated cylinder inertial fused with its foot) matches the parallel-axis sum by hand", () => {
    const robot = loadRobotFile(fixture("hexapod.urdf"), { armature: 0 }).robot;
    const tibia = robot.bodies.find((b) => b.name === "tibia_lf")!;
    // cylinder m 0.08 r 0.012 l 0.18 along x at 0.09; sphere m 0.02 r 0.02 at 0.18; com at 0.108
    const along = (0.08 * 0.012 ** 2) / 2 + 0.4 * 0.02 * 0.02 ** 2;
    const across = (0.08 * (3 * 0.012 ** 2 + 0.18 ** 2)) / 12 + 0.4 * 0.02 * 0.02 ** 2 + 0.08 * 0.018 ** 2 + 0.02 * 0.072 ** 2;
    const m = principalInertia(tibia.inertial!.inertia).moments.sort((a, b) => a - b);
    expect(m[0]).toBeCloseTo(along, 10);
    expect(m[1]).toBeCloseTo(across, 10);
    expect(m[2]).toBeCloseTo(across, 10);
  });
});
