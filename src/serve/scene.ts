/** Build the viewer's SceneDescription from an env (robot, terrain, spaces) and a controller. */
import type { Env } from "../env/types.ts";
import { robotMass, type RobotDescription } from "../physics/robot.ts";
import { TERRAIN_KINDS as KINDS, type TerrainDescription } from "../physics/terrain.ts";
import type { SceneDescription, SceneTerrain } from "./wire/protocol.ts";

export const TERRAIN_KINDS: string[] = [...KINDS];
/** The heat map is the plastic weight change block-averaged down to at most this many rows/cols. */
export const HEAT_MAX = 16;

export interface ControllerInfo {
  label: string;
  untrained: boolean;
  hiddenSize: number;
  /** Hidden neuron model and its threshold (null when learned per neuron or not fixed). */
  neuron: { model: string; threshold: number | null };
  modulators: number;
  /** The plastic matrix shown as a heat map (pre x post), or null when not plastic. */
  plastic: { projection: string; pre: number; post: number } | null;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
/** The viewer gets every k-th heightfield sample in x and y, k chosen so that at most this many remain. */
export const SCENE_MAX_HEIGHTS = 200_000;

export function sceneTerrain(t: TerrainDescription): SceneTerrain {
  const out: SceneTerrain = {
    kind: t.kind,
    boxes: t.boxes.map((b) => ({ center: [...b.center], halfExtents: [...b.halfExtents], rotation: [...b.rotation] })),
    course: { ...t.course },
  };
  const hf = t.heightfield;
  if (hf) {
    // the far row/column may be dropped when the stride does not divide the grid (less than one stride short)
    const k = Math.max(1, Math.ceil(Math.sqrt((hf.nx * hf.ny) / SCENE_MAX_HEIGHTS)));
    const nx = Math.floor((hf.nx - 1) / k) + 1;
    const ny = Math.floor((hf.ny - 1) / k) + 1;
    const heights = new Float32Array(nx * ny);
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) heights[i * ny + j] = round4(hf.heights[i * k * hf.ny + j * k]!);
    out.heightfield = { nx, ny, x0: hf.x0, y0: hf.y0, dx: hf.dx * k, dy: hf.dy * k, heights };
  }
  return out;
}

/** Radius of the robot at rest around the torso origin (body positions plus each geom's reach). */
export function robotExtent(robot: RobotDescription): number {
  const torso = robot.bodies[0]!.position;
  let r = 0;
  for (const b of robot.bodies) {
    for (const g of b.geoms) {
      const s = g.shape;
      const points = s.kind === "capsule" || s.kind === "cylinder" ? [s.from, s.to] : s.kind === "convex" ? s.points : [s.center];
      const pad = s.kind === "box" ? Math.hypot(...s.halfExtents) : s.kind === "convex" ? 0 : s.radius;
      for (const p of points) r = Math.max(r, Math.hypot(b.position[0] + p[0] - torso[0], b.position[1] + p[1] - torso[1], b.position[2] + p[2] - torso[2]) + pad);
    }
  }
  return r;
}

export function sceneFromEnv(env: Env, termNames: string[], controller: ControllerInfo, maxSteps: number | null = null): SceneDescription {
  const robot = env.robot;
  const heat = controller.plastic;
  const legOf = (j: number) => {
    const leg = robot.legs.findIndex((l) => l.joints.includes(j));
    return leg < 0 ? null : leg;
  };
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
    feet: robot.feet.map((f, i) => ({ name: robot.legs.find((l) => l.foot === i)?.name ?? `foot${i}`, body: f.body, point: [...f.point], radius: f.radius })),
    joints: robot.joints.map((j, i) => ({ name: j.name, leg: legOf(i), limits: [j.limits[0], j.limits[1]], maxTorque: j.maxTorque, child: j.child })),
    legs: robot.legs.map((l) => ({ name: l.name, joints: [...l.joints], foot: l.foot })),
    mass: robotMass(robot),
    extent: robotExtent(robot),
    terrain: sceneTerrain(env.terrain),
    terms: termNames,
    actions: [...env.actionSpace.names],
    nHidden: controller.hiddenSize,
    neuron: controller.neuron,
    nModulators: controller.modulators,
    heatRows: heat ? Math.min(HEAT_MAX, heat.pre) : 0,
    heatCols: heat ? Math.min(HEAT_MAX, heat.post) : 0,
    heatSource: heat,
    controlDt: env.controlDt,
    maxSteps,
    controller: controller.label,
    untrained: controller.untrained,
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
      for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) sum += src[i * cols + j]!;
      out[r * outCols + c] = sum / ((r1 - r0) * (c1 - c0));
    }
  }
  return out;
}
