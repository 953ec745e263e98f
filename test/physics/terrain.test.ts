import { describe, expect, it } from "vitest";
import { loadRapier, ROBOT_GROUPS } from "../../src/physics/rapier.ts";
import { buildTerrain, describeTerrain, terrainHeightAt } from "../../src/physics/terrain.ts";
import type { TerrainSpec } from "../../src/physics/terrain.ts";
import { forwardKinematics } from "../../src/physics/builder.ts";
import { robotMass, validateRobot } from "../../src/physics/robot.ts";
import { envDefinition } from "../../src/index.ts";

const specs: TerrainSpec[] = [
  { kind: "flat" },
  { kind: "rough", amplitude: 0.1, scale: 0.5 },
  { kind: "slope", angle: 10, direction: "up" },
  { kind: "slope", angle: 8, direction: "down" },
  { kind: "stairs", stepHeight: 0.05, stepWidth: 0.3, direction: "up" },
  { kind: "stairs", stepHeight: 0.05, stepWidth: 0.3, direction: "down" },
  { kind: "gaps", gapWidth: 0.2, stoneLength: 0.5 },
];

describe("terrain builder", () => {
  it.each(specs)("$kind: colliders agree with the described ground height (ray casts)", async (spec) => {
    const R = await loadRapier();
    const world = new R.World({ x: 0, y: 0, z: -9.81 });
    const t = describeTerrain(spec, 17);
    buildTerrain(R, world, t, 1);
    world.step(); // builds the query structures
    let worst = 0;
    let checked = 0;
    // near the start on a grid, and far out to the corners of the course
    const { xMin, xMax, yHalf } = t.course;
    const points: Array<[number, number]> = [];
    // off the 0.1 m heightfield grid lines: a vertical ray exactly on a cell edge can slip through (parry ray cast; contacts are unaffected)
    for (let x = -2.917; x < 12; x += 0.371) for (let y = -3.087; y < 3.1; y += 0.53) points.push([x, y]);
    for (const x of [xMin + 0.31, 0.5 * xMax + 0.013, xMax - 20.07, xMax - 0.31]) for (const y of [-yHalf + 0.27, 0.11, yHalf - 0.27]) points.push([x, y]);
    for (const [x, y] of points) {
      {
        const hit = world.castRay(new R.Ray({ x, y, z: 100 }, { x: 0, y: 0, z: -1 }), 200, true, undefined, ROBOT_GROUPS);
        expect(hit).not.toBeNull();
        const h = 100 - hit!.timeOfImpact;
        if (spec.kind === "gaps") {
          // on a stone the surface is 0, in a gap the ray reaches the catch floor below
          const pitch = spec.gapWidth + spec.stoneLength;
          const u = x - 1 - spec.gapWidth;
          const inGap = x > 1 && (u < 0 || ((u % pitch) + pitch) % pitch > spec.stoneLength);
          expect(h).toBeCloseTo(inGap ? -2 : 0, 4);
        } else {
          worst = Math.max(worst, Math.abs(h - terrainHeightAt(t, x, y)));
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(xMax).toBeGreaterThanOrEqual(150);
    // the heightfield's triangles vs our bilinear interpolation differ by a few mm at most
    expect(worst).toBeLessThan(spec.kind === "rough" ? 0.01 : 1e-4);
    world.free();
  });

  it("is seeded: same seed same heights, another seed different; amplitude bounds the heights", () => {
    const a = describeTerrain({ kind: "rough", amplitude: 0.08, scale: 0.4 }, 1).heightfield!;
    const b = describeTerrain({ kind: "rough", amplitude: 0.08, scale: 0.4 }, 1).heightfield!;
    const c = describeTerrain({ kind: "rough", amplitude: 0.08, scale: 0.4 }, 2).heightfield!;
    expect(Buffer.from(a.heights.buffer).equals(Buffer.from(b.heights.buffer))).toBe(true);
    expect(Buffer.from(a.heights.buffer).equals(Buffer.from(c.heights.buffer))).toBe(false);
    const max = a.heights.reduce((m, h) => Math.max(m, Math.abs(h)), 0);
    expect(max).toBeLessThanOrEqual(0.08 + 1e-6);
    expect(max).toBeGreaterThan(0.03);
  });
});

describe("robot descriptions", () => {
  it("are valid trees whose masses match the Gymnasium Ant's (≈0.9 kg) and forward kinematics keeps limb lengths", () => {
    const ant = envDefinition("ant").robot;
    validateRobot(ant);
    validateRobot(envDefinition("hexapod").robot);
    expect(robotMass(ant)).toBeGreaterThan(0.85);
    expect(robotMass(ant)).toBeLessThan(0.95);
    const angles = ant.joints.map((_, i) => (i % 2 ? 0.3 : -0.4));
    const rest = forwardKinematics(ant, [0, 0, 0], [0, 0, 0, 1], new Array(8).fill(0));
    const bent = forwardKinematics(ant, [0, 0, 0], [0, 0, 0, 1], angles);
    for (const j of ant.joints) {
      const d0 = Math.hypot(...rest.position[j.child]!.map((v, k) => v - rest.position[j.parent]![k]!));
      const d1 = Math.hypot(...bent.position[j.child]!.map((v, k) => v - bent.position[j.parent]![k]!));
      expect(d1).toBeCloseTo(d0, 9);
    }
  });
});
