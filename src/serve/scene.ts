/** Build the viewer's SceneDescription from an env (robot, terrain, spaces) and a controller. */
import type { Env } from "../env/types.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import type { SceneDescription, SceneTerrain } from "./protocol.ts";

export const TERRAIN_KINDS = ["flat", "rough", "slope", "stairs", "gaps"];
/** The heat map is the plastic weight change block-averaged down to at most this many rows/cols. */
export const HEAT_MAX = 16;

export interface ControllerInfo {
  label: string;
  untrained: boolean;
  hiddenSize: number;
  modulators: number;
  /** [rows, cols] of the plastic matrix shown as a heat map, or null when not plastic. */
  plasticShape: [number, number] | null;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
/** The viewer gets every k-th heightfield sample in x and y, k chosen so that at most this many remain. */
export const SCENE_MAX_HEIGHTS = 200_000;

export function sceneTerrain(t: TerrainDescription): SceneTerrain {
  const out: SceneTerrain = {
    kind: t.kind,
    boxes: t.boxes.map((b) => ({ center: [...b.center], halfExtents: [...b.halfExtents], rotation: [...b.rotation] })),
  };
  const hf = t.heightfield;
  if (hf) {
    // the far row/column may be dropped when the stride does not divide the grid (less than one stride short)
    const k = Math.max(1, Math.ceil(Math.sqrt((hf.nx * hf.ny) / SCENE_MAX_HEIGHTS)));
    const nx = Math.floor((hf.nx - 1) / k) + 1;
    const ny = Math.floor((hf.ny - 1) / k) + 1;
    const heights = new Array<number>(nx * ny);
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) heights[i * ny + j] = round4(hf.heights[i * k * hf.ny + j * k]);
    out.heightfield = { nx, ny, x0: hf.x0, y0: hf.y0, dx: hf.dx * k, dy: hf.dy * k, heights };
  }
  return out;
}

export function sceneFromEnv(env: Env, termNames: string[], controller: ControllerInfo): SceneDescription {
  const robot = env.robot;
  const heat = controller.plasticShape;
  return {
    envId: env.id,
    bodies: robot.bodies.map((b) => ({
      name: b.name,
      geoms: b.geoms.map((g) => {
        const s = g.shape;
        if (s.kind === "sphere") return { kind: "sphere" as const, radius: s.radius, center: [...s.center] };
        if (s.kind === "capsule") return { kind: "capsule" as const, radius: s.radius, from: [...s.from], to: [...s.to] };
        if (s.kind === "cylinder") return { kind: "cylinder" as const, radius: s.radius, from: [...s.from], to: [...s.to] };
        if (s.kind === "convex") return { kind: "convex" as const, points: s.points.flat() };
        return { kind: "box" as const, halfExtents: [...s.halfExtents], center: [...s.center] };
      }),
    })),
    feet: robot.feet.map((f, i) => ({ name: robot.legs.find((l) => l.foot === i)?.name ?? `foot${i}`, body: f.body, point: [...f.point] })),
    terrain: sceneTerrain(env.terrain),
    terms: termNames,
    actions: [...env.actionSpace.names],
    nHidden: controller.hiddenSize,
    nModulators: controller.modulators,
    heatRows: heat ? Math.min(HEAT_MAX, heat[0]) : 0,
    heatCols: heat ? Math.min(HEAT_MAX, heat[1]) : 0,
    controlDt: env.controlDt,
    controller: controller.label,
    untrained: controller.untrained,
    legs: robot.legs.length,
    terrainKinds: TERRAIN_KINDS,
  };
}

/** Block-average a rows x cols matrix (row-major) into outRows x outCols. */
export function blockAverage(src: ArrayLike<number>, rows: number, cols: number, out: Float32Array, outRows: number, outCols: number): Float32Array {
  for (let r = 0; r < outRows; r++) {
    const r0 = Math.floor((r * rows) / outRows);
    const r1 = Math.max(r0 + 1, Math.floor(((r + 1) * rows) / outRows));
    for (let c = 0; c < outCols; c++) {
      const c0 = Math.floor((c * cols) / outCols);
      const c1 = Math.max(c0 + 1, Math.floor(((c + 1) * cols) / outCols));
      let sum = 0;
      for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) sum += src[i * cols + j];
      out[r * outCols + c] = sum / ((r1 - r0) * (c1 - c0));
    }
  }
  return out;
}
