import { describe, expect, it } from "vitest";
import { describeTerrain, terrainHeightAt } from "../../src/physics/terrain.ts";
import { SCENE_MAX_HEIGHTS, sceneTerrain } from "../../src/serve/scene.ts";

describe("scene terrain for the viewer", () => {
  it("subsamples a large heightfield to at most SCENE_MAX_HEIGHTS samples that lie on the physics surface and span the course", () => {
    const t = describeTerrain({ kind: "rough", amplitude: 0.05, scale: 0.5 }, 3);
    const full = t.heightfield!;
    expect(full.nx * full.ny).toBeGreaterThan(SCENE_MAX_HEIGHTS);
    const hf = sceneTerrain(t).heightfield!;
    expect(hf.heights.length).toBe(hf.nx * hf.ny);
    expect(hf.heights.length).toBeLessThanOrEqual(SCENE_MAX_HEIGHTS);
    // it spans the course to within one (coarse) sample of the far edges
    const xEnd = full.x0 + (full.nx - 1) * full.dx;
    const yEnd = full.y0 + (full.ny - 1) * full.dy;
    expect([hf.x0, hf.y0]).toEqual([full.x0, full.y0]);
    expect(xEnd - (hf.x0 + (hf.nx - 1) * hf.dx)).toBeGreaterThanOrEqual(-1e-9);
    expect(xEnd - (hf.x0 + (hf.nx - 1) * hf.dx)).toBeLessThan(hf.dx);
    expect(yEnd - (hf.y0 + (hf.ny - 1) * hf.dy)).toBeLessThan(hf.dy);
    expect(hf.dx).toBeLessThanOrEqual(0.3 + 1e-9);
    for (const [i, j] of [[0, 0], [17, 33], [hf.nx - 1, hf.ny - 1], [400, 5]]) {
      const h = terrainHeightAt(t, hf.x0 + i * hf.dx, hf.y0 + j * hf.dy);
      expect(Math.abs(hf.heights[i * hf.ny + j] - h)).toBeLessThan(1e-4);
    }
  });

  it("sends a small heightfield whole", () => {
    const t = describeTerrain({ kind: "flat" }, 0);
    expect(sceneTerrain(t).heightfield).toBeUndefined();
    const small = { ...t, heightfield: { nx: 3, ny: 2, x0: 0, y0: 0, dx: 0.1, dy: 0.1, heights: Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 0.5]) } };
    const heights = Array.from(sceneTerrain(small).heightfield!.heights);
    expect(heights).toHaveLength(6);
    heights.forEach((h, i) => expect(h).toBeCloseTo(i / 10, 6));
  });
});
