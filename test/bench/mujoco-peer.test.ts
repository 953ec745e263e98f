import { describe, expect, it } from "vitest";
import { createMujocoPeer } from "../../src/bench/mujoco-peer.ts";
import { robotMass } from "../../src/physics/robot.ts";
import { envDefinition } from "../../src/index.ts";

describe("MuJoCo measurement peer", () => {
  it.each(["ant", "hexapod"])("%s: the MJCF has the same total mass as the Rapier robot and stands stably at dt 0.01", async (id) => {
    const def = envDefinition(id);
    const peer = await createMujocoPeer(def.robot, def.defaults.physicsDt, def.robot.spawnHeight + 0.002);
    expect(peer.totalMass()).toBeCloseTo(robotMass(def.robot), 5);
    peer.setTargets(new Float64Array(def.robot.joints.length));
    peer.step(200);
    const z = peer.torsoPosition()[2];
    expect(Number.isFinite(z)).toBe(true);
    expect(z).toBeGreaterThan(0.5 * def.robot.spawnHeight);
    expect(z).toBeLessThan(def.robot.spawnHeight + 0.05);
    peer.close();
  });
});
