import { describe, expect, it } from "vitest";
import { createMujocoPeer, MUJOCO_DEFAULTS } from "../../src/bench/mujoco-peer.ts";
import { robotMass } from "../../src/physics/robot.ts";
import { envDefinition } from "../../src/index.ts";

describe("MuJoCo measurement peer", () => {
  it.each(["ant", "hexapod"])("%s: the MJCF has the same total mass as the Rapier robot and stands stably at MuJoCo's dt 0.01", async (id) => {
    const def = envDefinition(id);
    const peer = await createMujocoPeer(def.robot, MUJOCO_DEFAULTS.physicsDt, def.robot.spawnHeight + 0.002);
    expect(peer.totalMass()).toBeCloseTo(robotMass(def.robot), 5);
    peer.setTargets(new Float64Array(def.robot.joints.length));
    peer.step(200);
    const z = peer.torsoPosition()[2];
    expect(Number.isFinite(z)).toBe(true);
    expect(z).toBeGreaterThan(0.5 * def.robot.spawnHeight);
    expect(z).toBeLessThan(def.robot.spawnHeight + 0.05);
    peer.close();
  });

  it("reset returns to the start state: the same targets give bitwise the same torso path again, with contacts", async () => {
    const def = envDefinition("ant");
    const peer = await createMujocoPeer(def.robot, MUJOCO_DEFAULTS.physicsDt, def.robot.spawnHeight + 0.002);
    const run = () => {
      const path: number[] = [];
      let contacts = 0;
      for (let k = 0; k < 60; k++) {
        peer.setTargets(def.robot.joints.map((_, j) => 0.3 * Math.sin(0.4 * k + j)));
        peer.step(MUJOCO_DEFAULTS.substeps);
        path.push(...peer.torsoPosition());
        contacts += peer.contacts();
      }
      return { path, contacts };
    };
    const a = run();
    peer.reset();
    const b = run();
    expect(b.path).toEqual(a.path);
    expect(a.contacts).toBeGreaterThan(0);
    peer.close();
  });
});
